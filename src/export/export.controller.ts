import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { parseInstant } from '../tweets/tweet.dto';
import { parseSearchQuery } from '../tweets/search-query';
import { TweetsRepository } from '../tweets/tweets.repository';
import { TweetExportQueryDto } from './export.dto';
import { CONTENT_TYPES, ExportFilter, exportTweets } from './tweet-export';

/** The filters of GET /tweets as the repository takes them. */
export function toExportFilter(query: Omit<TweetExportQueryDto, 'format'>): ExportFilter {
  const include = query.include?.split(',') ?? [];
  return {
    screenName: query.screenName,
    since: query.since === undefined ? undefined : parseInstant(query.since),
    until: query.until === undefined ? undefined : parseInstant(query.until),
    search: query.q === undefined ? undefined : parseSearchQuery(query.q),
    includeRaw: include.includes('raw'),
    includeDeleted: include.includes('deleted'),
  };
}

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
    const chunks = exportTweets(this.repository, toExportFilter(query), query.format, this.timeZone);
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: CONTENT_TYPES[query.format],
      disposition: `attachment; filename="${fileName}"`,
    });
  }
}
