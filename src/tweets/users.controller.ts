import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { PageQueryDto } from '../pagination/pagination.dto';
import { toUserDto } from './tweet-response.mapper';
import { UserHistoryDto } from './history.dto';
import { toUserHistoryDto } from './history-response.mapper';
import { TweetsRepository } from './tweets.repository';
import { ScreenNameParams, UserDto, UserPageDto } from './user.dto';

@ApiTags('users')
@Controller('users')
export class UsersController {
  private readonly timeZone: string;

  constructor(
    private readonly repository: TweetsRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
  }

  @Get()
  @ApiOperation({ summary: 'List stored accounts' })
  @ApiOkResponse({ type: UserPageDto, description: 'newest accounts first' })
  @ApiErrors(400, 503)
  async findUsers(@Query() query: PageQueryDto): Promise<UserPageDto> {
    const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined);
    const page = await this.repository.findUsers(query.limit, after);
    return {
      data: page.items.map((user) => toUserDto(user, this.timeZone)),
      nextCursor: page.next && encodeCursor(page.next),
    };
  }

  @Get(':screenName')
  @ApiOperation({ summary: 'Get one stored account by screen name' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 503, { status: 404, description: 'no stored account has this screen name' })
  async findUser(@Param() { screenName }: ScreenNameParams): Promise<UserDto> {
    const user = await this.repository.findUserByScreenName(screenName);
    if (!user) throw new NotFoundException(`user ${screenName} is not stored`);
    return toUserDto(user, this.timeZone);
  }

  @Get(':screenName/history')
  @ApiOperation({ summary: "A stored account's counts over time and each change of its profile" })
  @ApiOkResponse({ type: UserHistoryDto })
  @ApiErrors(400, 503, { status: 404, description: 'no stored account has this screen name' })
  async findUserHistory(@Param() { screenName }: ScreenNameParams): Promise<UserHistoryDto> {
    const history = await this.repository.findUserHistory(screenName);
    if (!history) throw new NotFoundException(`user ${screenName} is not stored`);
    return toUserHistoryDto(history);
  }
}
