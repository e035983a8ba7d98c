import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { TweetFilterQueryDto } from '../tweets/tweet.dto';
import { EXPORT_FORMATS, ExportFormat } from './tweet-export';

export class TweetExportQueryDto extends TweetFilterQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'jsonl' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of: ${EXPORT_FORMATS.join(', ')}` })
  format: ExportFormat = 'jsonl';
}
