import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCursor } from './cursor';

// Only plain digits become a number: "1e1", "0x10" or " 5" stay strings and fail IsInt.
export const digitsToNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

const LIMIT_MESSAGE = 'limit must be a whole number from 1 to 100';

export class LimitQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(digitsToNumber)
  // One message whichever check fails first: "1.5" is not "greater than 100".
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(100, { message: LIMIT_MESSAGE })
  limit: number = 20;
}

/** limit and cursor of lists keyed by X ids (tweets, users). */
export class PageQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsCursor()
  cursor?: string;
}
