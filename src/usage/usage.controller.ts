import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { toUsageDto, UsageDto } from './usage.dto';
import { UsageRepository } from './usage.repository';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  private readonly budget: number | null;

  constructor(
    private readonly usage: UsageRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.budget = config.get('SYNC_MONTHLY_POST_BUDGET', { infer: true }) ?? null;
  }

  @Get()
  @ApiOperation({ summary: "This UTC month's posts read, against the budget and the X project's cap" })
  @ApiOkResponse({ type: UsageDto })
  // 400: a NUL character in any query parameter (input hardening).
  @ApiErrors(400, 503)
  async findUsage(): Promise<UsageDto> {
    const month = await this.usage.findMonth();
    const project = await this.usage.findProjectUsage();
    return toUsageDto(month, this.budget, project);
  }
}
