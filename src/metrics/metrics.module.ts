import { DynamicModule, Global, Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { UsageModule } from '../usage/usage.module';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { StoredGauges } from './stored-gauges';

/**
 * The metrics every module counts into (global: the sync, the X API client, the beat and the
 * import all count), served at GET /metrics unless METRICS_ENABLED=false.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(served: boolean): DynamicModule {
    return {
      module: MetricsModule,
      imports: served ? [AuthModule, AccountsModule, UsageModule] : [],
      controllers: served ? [MetricsController] : [],
      providers: [
        {
          provide: Metrics,
          useFactory: () => {
            const metrics = new Metrics();
            if (served) metrics.collectDefaults();
            return metrics;
          },
        },
        ...(served ? [StoredGauges] : []),
      ],
      exports: [Metrics],
    };
  }
}
