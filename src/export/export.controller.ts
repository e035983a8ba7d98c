import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { toTweetFilter } from '../tweets/tweet.dto';
import { TweetsRepository } from '../tweets/tweets.repository';
import { TweetExportQueryDto } from './export.dto';
import { CONTENT_TYPES, exportTweets } from './tweet-export';

@ApiTags('tweets')
@Controller('tweets')
export class ExportController {
  private readonly timeZone: string;

  constructor(
    private readonly repository: TweetsRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
  }

  @Get('export')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Every stored tweet GET /tweets lists with these filters, newest first, as JSON Lines or CSV',
  })
  @ApiResponse({
    status: 200,
    description: 'streamed as it is read; JSONL: one Tweet a line, as GET /tweets shows it; CSV: a header row',
    content: Object.fromEntries(Object.values(CONTENT_TYPES).map((type) => [type, { schema: { type: 'string' } }])),
  })
  @ApiErrors(400, 503)
  exportTweets(@Query() query: TweetExportQueryDto): StreamableFile {
    const fileName = `tweets${query.screenName ? `-${query.screenName}` : ''}.${query.format}`;
    const chunks = exportTweets(this.repository, toTweetFilter(query), query.format, this.timeZone);
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: CONTENT_TYPES[query.format],
      disposition: `attachment; filename="${fileName}"`,
    });
  }
}
