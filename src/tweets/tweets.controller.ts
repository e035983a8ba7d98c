import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Environment } from '../config/environment';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { parseInstant, TweetDto, TweetIdParams, TweetLookupQueryDto, TweetPageDto, TweetQueryDto } from './tweet.dto';
import { toTweetDto } from './tweet-response.mapper';
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
  @ApiOkResponse({ type: TweetPageDto, description: 'newest first' })
  @ApiBadRequestResponse({ description: 'a parameter is invalid; the message names it' })
  async findTweets(@Query() query: TweetQueryDto): Promise<TweetPageDto> {
    const page = await this.repository.findTweets({
      limit: query.limit,
      after: query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined),
      screenName: query.screenName,
      since: query.since === undefined ? undefined : parseInstant(query.since),
      until: query.until === undefined ? undefined : parseInstant(query.until),
      q: query.q,
      includeRaw: query.include === 'raw',
    });
    return {
      data: page.items.map((tweet) => toTweetDto(tweet, this.timeZone)),
      nextCursor: page.next && encodeCursor(page.next),
    };
  }

  @Get(':id')
  @ApiOkResponse({ type: TweetDto })
  @ApiNotFoundResponse()
  async findTweet(@Param() { id }: TweetIdParams, @Query() query: TweetLookupQueryDto): Promise<TweetDto> {
    const tweet = await this.repository.findTweet(id, query.include === 'raw');
    if (!tweet) throw new NotFoundException(`tweet ${id} is not stored`);
    return toTweetDto(tweet, this.timeZone);
  }
}
