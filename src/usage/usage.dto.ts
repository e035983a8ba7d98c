import { ApiProperty } from '@nestjs/swagger';
import type { MonthUsage, ProjectUsage } from './usage.repository';

export class AccountUsageDto {
  @ApiProperty({ description: 'the latest screen name the account was read under' }) screenName!: string;
  @ApiProperty({ type: 'integer' }) postsRead!: number;
}

export class UsageDto {
  @ApiProperty({ example: '2026-12', pattern: '^[0-9]{4}-[0-9]{2}$', description: 'the UTC calendar month' })
  month!: string;

  @ApiProperty({
    type: 'integer',
    description: 'posts (tweet objects) the X API delivered to this service this month, includes too',
  })
  postsRead!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'SYNC_MONTHLY_POST_BUDGET; null: no limit' })
  budget!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "the X project's posts read this cycle, as GET /2/usage/tweets last said; null before the first",
  })
  xProjectUsage!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: "the X project's cap of posts read per cycle" })
  xProjectCap!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'days until X resets its count (cap_reset_day of GET /2/usage/tweets)',
  })
  xCapResetDay!: number | null;

  @ApiProperty({ type: [AccountUsageDto], description: 'most posts first, then screen name' })
  byAccount!: AccountUsageDto[];
}

export function toUsageDto(month: MonthUsage, budget: number | null, project: ProjectUsage | null): UsageDto {
  return {
    month: month.month,
    postsRead: month.postsRead,
    budget,
    xProjectUsage: project?.projectUsage ?? null,
    xProjectCap: project?.projectCap ?? null,
    xCapResetDay: project?.capResetDay ?? null,
    byAccount: month.byAccount,
  };
}
