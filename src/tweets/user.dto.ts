import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { SCREEN_NAME } from '../config/environment';

export class ScreenNameParams {
  @ApiProperty({ example: 'NASA' })
  @Matches(SCREEN_NAME, { message: 'screenName must be 1 to 15 letters, digits or underscores' })
  screenName!: string;
}

export class UserMetricsDto {
  @ApiProperty({ type: 'integer', nullable: true }) followersCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) followingCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) tweetCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) listedCount!: number | null;
}

export class UserDto {
  @ApiProperty({ example: '11348282' }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'NASA', description: 'null once another account took it' })
  screenName!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) location!: string | null;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty({ type: String, nullable: true }) profileImageUrl!: string | null;
  @ApiProperty() verified!: boolean;
  @ApiProperty({ type: UserMetricsDto }) metrics!: UserMetricsDto;
  @ApiProperty({ format: 'date-time', example: '2007-12-19T20:20:32.000Z' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    example: '2007-12-19T15:20:32.000-05:00',
    description: 'createdAt in APP_TIMEZONE',
  })
  createdAtLocal!: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) data!: UserDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
