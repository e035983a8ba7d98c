import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { encodeCursor } from '../pagination/cursor';
import {
  toTweetPageFilter,
  TweetDto,
  TweetIdParams,
  TweetLookupQueryDto,
  TweetPageDto,
  TweetQueryDto,
} from './tweet.dto';
import { toTweetDto } from './tweet-response.mapper';
import { TweetHistoryDto } from './history.dto';
import { toTweetHistoryDto } from './history-response.mapper';
import { TweetsRepository } from './tweets.repository';

@ApiTags('tweets')
@Controller('tweets')
export class TweetsController {
  private readonly timeZone: string;

  constructor(
    private readonly repository: TweetsRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
  }

  @Get()
  @ApiOperation({ summary: 'List stored tweets' })
  @ApiOkResponse({ type: TweetPageDto, description: 'newest first' })
  @ApiErrors(400, 503)
  async findTweets(@Query() query: TweetQueryDto): Promise<TweetPageDto> {
    const page = await this.repository.findTweets(toTweetPageFilter(query));
    return {
      data: page.items.map((tweet) => toTweetDto(tweet, this.timeZone)),
      nextCursor: page.next && encodeCursor(page.next),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one stored tweet' })
  @ApiOkResponse({ type: TweetDto })
  @ApiErrors(400, 503, { status: 404, description: 'no tweet with this id is stored' })
  async findTweet(@Param() { id }: TweetIdParams, @Query() query: TweetLookupQueryDto): Promise<TweetDto> {
    const tweet = await this.repository.findTweet(id, query.include === 'raw');
    if (!tweet) throw new NotFoundException(`tweet ${id} is not stored`);
    return toTweetDto(tweet, this.timeZone);
  }

  @Get(':id/history')
  @ApiOperation({ summary: "A stored tweet's metrics over time and its edit versions" })
  @ApiOkResponse({ type: TweetHistoryDto })
  @ApiErrors(400, 503, { status: 404, description: 'no tweet with this id is stored' })
  async findTweetHistory(@Param() { id }: TweetIdParams): Promise<TweetHistoryDto> {
    const history = await this.repository.findTweetHistory(id);
    if (!history) throw new NotFoundException(`tweet ${id} is not stored`);
    return toTweetHistoryDto(history);
  }
}
