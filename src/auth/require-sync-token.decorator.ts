import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/error.dto';
import { SyncTokenGuard } from './sync-token.guard';

/** Puts a route or controller behind SyncTokenGuard and says so in the OpenAPI document, so the two never differ. */
export function RequireSyncToken() {
  return applyDecorators(UseGuards(SyncTokenGuard), ApiBearerAuth(), ApiErrors(401, 403, 429));
}
