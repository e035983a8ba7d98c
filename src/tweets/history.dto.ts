import { ApiProperty } from '@nestjs/swagger';
import { TweetMetricsDto } from './tweet.dto';
import { UserMetricsDto } from './user.dto';

export class TweetMetricsObservationDto extends TweetMetricsDto {
  @ApiProperty({ format: 'date-time', description: 'when the sync first saw these values' })
  observedAt!: string;
}

export class TweetVersionDto {
  @ApiProperty({ example: '1850000000000000001' }) id!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class TweetHistoryDto {
  @ApiProperty({
    type: [TweetMetricsObservationDto],
    description: 'one entry per change seen (the first observation included), newest last',
  })
  metrics!: TweetMetricsObservationDto[];

  @ApiProperty({ type: [TweetVersionDto], description: 'the stored versions of an edited tweet, oldest first' })
  versions!: TweetVersionDto[];
}

export class UserMetricsObservationDto extends UserMetricsDto {
  @ApiProperty({ format: 'date-time', description: 'when the sync first saw these values' })
  observedAt!: string;
}

export const PROFILE_FIELDS = ['screenName', 'name', 'description', 'location', 'url', 'profileImageUrl'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export class UserProfileObservationDto {
  @ApiProperty({ format: 'date-time', description: 'when the sync first saw this profile' }) observedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'NASA' }) screenName!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) location!: string | null;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty({ type: String, nullable: true }) profileImageUrl!: string | null;
  @ApiProperty({
    enum: PROFILE_FIELDS,
    isArray: true,
    description: 'the fields that differ from the entry before (empty for the oldest entry kept)',
  })
  changed!: ProfileField[];
}

export class UserHistoryDto {
  @ApiProperty({
    type: [UserMetricsObservationDto],
    description: 'follower, following, tweet and listed counts: one entry per change seen, newest last',
  })
  metrics!: UserMetricsObservationDto[];

  @ApiProperty({
    type: [UserProfileObservationDto],
    description: 'the profile: one entry per change of its fields (the first observation included), newest last',
  })
  profiles!: UserProfileObservationDto[];
}
