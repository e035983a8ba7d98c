import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { ApiErrors } from '../openapi/error.dto';
import { Metrics } from './metrics';
import { MetricsTokenGuard } from './metrics-token.guard';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); README lists what each means' })
  @ApiBearerAuth()
  @ApiResponse({
    status: 200,
    description: 'the text exposition format',
    content: { [Registry.PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } },
  })
  @ApiErrors(400, { status: 401, description: 'METRICS_TOKEN is set and the request lacks it' }, 429)
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
