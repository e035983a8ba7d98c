import { Module } from '@nestjs/common';
import { TweetsController } from './tweets.controller';
import { TwitterRepository } from './twitter.repository';
import { UsersController } from './users.controller';

@Module({
  controllers: [TweetsController, UsersController],
  providers: [TwitterRepository],
  exports: [TwitterRepository],
})
export class TwitterModule {}
