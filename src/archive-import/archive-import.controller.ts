import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RequireSyncToken } from '../auth/require-sync-token.decorator';
import type { Environment } from '../config/environment';
import { ApiErrors } from '../openapi/error.dto';
import { ArchiveImportRepository } from './archive-import.repository';
import { ArchiveImportService } from './archive-import.service';
import { ImportDto, ImportIdParams, toImportDto } from './archive-import.dto';

const LOCATION = { Location: { description: '/imports/{id}', schema: { type: 'string' } } };
// Uploads wait here until their import is done (then they are deleted).
const UPLOADS = join(tmpdir(), 'twitter-timeline-sync-imports');

@ApiTags('imports')
@Controller('imports')
export class ArchiveImportController {
  private readonly maxBytes: number;

  constructor(
    private readonly service: ArchiveImportService,
    private readonly imports: ArchiveImportRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.maxBytes = config.get('IMPORT_MAX_BYTES', { infer: true });
  }

  @Post()
  @HttpCode(202)
  @RequireSyncToken()
  @ApiOperation({ summary: 'Import an X archive (the zip X lets an account download), in the background' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['archive'],
      properties: { archive: { type: 'string', format: 'binary', description: 'the archive zip' } },
    },
  })
  @ApiResponse({ status: 202, type: ImportDto, description: 'started; Location names the import', headers: LOCATION })
  @ApiErrors(
    { status: 400, description: 'the form holds no file' },
    { status: 413, description: 'the file is larger than IMPORT_MAX_BYTES' },
    { status: 415, description: 'the body is not multipart/form-data' },
    503,
  )
  async startImport(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportDto> {
    if (!request.isMultipart()) {
      throw new UnsupportedMediaTypeException(
        'send the archive as multipart/form-data, its zip in the field "archive"',
      );
    }
    const upload = await request.file({ limits: { fileSize: this.maxBytes, files: 1 } });
    if (!upload)
      throw new BadRequestException(['archive: the form holds no file: send the zip in the field "archive"']);
    await mkdir(UPLOADS, { recursive: true });
    const path = join(UPLOADS, `${randomUUID()}.zip`);
    // Streamed to disk: an archive of gigabytes never sits in memory.
    const tooLarge = await pipeline(upload.file, createWriteStream(path)).then(
      () => upload.file.truncated,
      async (error: unknown) => {
        await rm(path, { force: true });
        if ((error as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw error;
        return true;
      },
    );
    if (tooLarge) {
      await rm(path, { force: true });
      throw new PayloadTooLargeException(`archive: larger than IMPORT_MAX_BYTES (${this.maxBytes} bytes)`);
    }
    const record = await this.service
      .startImport(path, upload.filename, (await stat(path)).size)
      .catch(async (error: unknown) => {
        // Not started (the database did not answer): the upload has no one to delete it later.
        await rm(path, { force: true });
        throw error;
      });
    void reply.header('Location', `/imports/${record.id}`);
    return toImportDto(record);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Follow an import: its progress, and what it stored' })
  @ApiResponse({ status: 200, type: ImportDto })
  @ApiErrors(400, 503, { status: 404, description: 'no import has this id' })
  async findImport(@Param() { id }: ImportIdParams): Promise<ImportDto> {
    const record = await this.imports.findImport(id);
    if (!record) throw new NotFoundException(`import ${id} does not exist`);
    return toImportDto(record);
  }
}
