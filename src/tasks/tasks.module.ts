import { Module } from '@nestjs/common';
import { TwitterModule } from '../twitter/twitter.module';
import { ScheduleRepository } from './schedule.repository';
import { SchedulesController } from './schedules.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [TwitterModule],
  controllers: [SchedulesController],
  providers: [ScheduleRepository, TasksService],
})
export class TasksModule {}
