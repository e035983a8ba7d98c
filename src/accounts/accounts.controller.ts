import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireSyncToken } from '../auth/require-sync-token.decorator';
import { ApiErrors } from '../openapi/error.dto';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import {
  AccountChangeDto,
  AccountConflictDto,
  AccountCreateDto,
  AccountDeleteQueryDto,
  AccountDto,
  AccountNameParams,
  AccountPageDto,
  AccountPurgedDto,
  AccountsQueryDto,
  AccountSyncStartedDto,
  toAccountDto,
} from './accounts.dto';
import { AccountsService } from './accounts.service';

const NOT_IN_LIST = { status: 404 as const, description: 'no account of the list has or had this screen name' };
const SHUTTING_DOWN = {
  status: 503 as const,
  description:
    'with syncNow: the service is shutting down (the account is stored); or the database did not answer in time',
};

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'List the accounts to sync' })
  @ApiResponse({ status: 200, type: AccountPageDto, description: 'in the order they were added, oldest first' })
  @ApiErrors(400, 503)
  async findAccounts(@Query() query: AccountsQueryDto): Promise<AccountPageDto> {
    const page = await this.accounts.findAccounts({
      limit: query.limit,
      after: query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined),
      enabled: query.enabled === undefined ? undefined : query.enabled === 'true',
      status: query.status,
    });
    return { data: page.items.map(toAccountDto), nextCursor: page.next && encodeCursor(page.next) };
  }

  @Get(':screenName')
  @ApiOperation({ summary: 'Get one account of the list, by its current or a previous screen name' })
  @ApiResponse({ status: 200, type: AccountDto })
  @ApiErrors(400, 503, NOT_IN_LIST)
  async findAccount(@Param() { screenName }: AccountNameParams): Promise<AccountDto> {
    return toAccountDto(await this.accounts.findAccount(screenName));
  }

  @Post()
  @RequireSyncToken()
  @ApiOperation({ summary: 'Add an account to the list, resolved through the X API when credentials are set' })
  @ApiResponse({
    status: 201,
    type: AccountDto,
    description: 'stored; userId is null (status unresolved) when X could not be asked, and the next sync resolves it',
    headers: { Location: { description: 'the account, /accounts/{screenName}', schema: { type: 'string' } } },
  })
  @ApiResponse({
    status: 202,
    type: AccountSyncStartedDto,
    description: 'with syncNow: stored, and a sync of just this account started, as POST /sync',
    headers: { Location: { description: 'the run, /sync/runs/{id}', schema: { type: 'string' } } },
  })
  @ApiErrors(
    400,
    413,
    415,
    SHUTTING_DOWN,
    { status: 422, description: 'X has no account of this name, or it is suspended: nothing is stored' },
    {
      status: 409,
      type: AccountConflictDto,
      description:
        'an account of the list has this screen name or user id (or had this name, when X cannot tell); ' +
        'or, with syncNow, a sync is running (runId names it; the account is stored)',
    },
  )
  async createAccount(
    @Body() body: AccountCreateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountDto | AccountSyncStartedDto> {
    const account = await this.accounts.createAccount(body);
    if (!body.syncNow) {
      void reply.header('Location', `/accounts/${account.screenName}`);
      return toAccountDto(account);
    }
    const run = await this.accounts.startSync(account);
    void reply.status(202).header('Location', `/sync/runs/${run.id}`);
    return { runId: run.id, status: run.status, account: toAccountDto(account) };
  }

  @Patch(':screenName')
  @RequireSyncToken()
  @ApiOperation({ summary: 'Pause, resume or change what an account leaves out; its cursor stays' })
  @ApiResponse({ status: 200, type: AccountDto })
  @ApiErrors(400, 413, 415, 503, NOT_IN_LIST)
  async updateAccount(
    @Param() { screenName }: AccountNameParams,
    @Body() change: AccountChangeDto,
  ): Promise<AccountDto> {
    if (change.enabled === undefined && change.exclude === undefined) {
      throw new BadRequestException(['body: nothing to change; give enabled or exclude']);
    }
    return toAccountDto(await this.accounts.updateAccount(screenName, change));
  }

  @Delete(':screenName')
  @HttpCode(204)
  @RequireSyncToken()
  @ApiOperation({ summary: 'Take an account off the list; with purge=true, also delete what is stored of it' })
  @ApiResponse({ status: 204, description: 'no longer synced; its stored tweets stay' })
  @ApiResponse({ status: 200, type: AccountPurgedDto, description: 'with purge=true: what was deleted' })
  @ApiErrors(400, 503, NOT_IN_LIST)
  async deleteAccount(
    @Param() { screenName }: AccountNameParams,
    @Query() query: AccountDeleteQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountPurgedDto | undefined> {
    if (query.purge !== 'true') {
      await this.accounts.deleteAccount(screenName);
      return undefined;
    }
    const { screenName: purged, ...deleted } = await this.accounts.purgeAccount(screenName);
    void reply.status(200);
    return { screenName: purged, deleted };
  }
}
