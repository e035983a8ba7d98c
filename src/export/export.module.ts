import { Module } from '@nestjs/common';
import { TweetsModule } from '../tweets/tweets.module';
import { ExportController } from './export.controller';

@Module({ imports: [TweetsModule], controllers: [ExportController] })
export class ExportModule {}
