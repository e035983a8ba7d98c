import { Module } from '@nestjs/common';
import { TweetsController } from './tweets.controller';
import { TweetsRepository } from './tweets.repository';
import { UsersController } from './users.controller';

@Module({
  controllers: [TweetsController, UsersController],
  providers: [TweetsRepository],
  exports: [TweetsRepository],
})
export class TweetsModule {}
