import { Module } from '@nestjs/common';
import { TwitterApiClient } from './twitter-api.client';

@Module({
  providers: [TwitterApiClient],
  exports: [TwitterApiClient],
})
export class XApiModule {}
