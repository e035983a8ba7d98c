import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SyncModule } from '../sync/sync.module';
import { ScheduleRepository } from './schedule.repository';
import { SchedulesController } from './schedules.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [AuthModule, SyncModule],
  controllers: [SchedulesController],
  providers: [ScheduleRepository, TasksService],
  exports: [ScheduleRepository, TasksService],
})
export class TasksModule {}
