import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import type { ImportRecord, ImportStatus } from './archive-import.repository';

export class ImportIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be an import id (a UUID)' })
  id!: string;
}

class ImportOwnerDto {
  @ApiProperty({ example: '11348282' }) userId!: string;
  @ApiProperty({ example: 'NASA', description: 'the screen name when the archive was downloaded' })
  screenName!: string;
}

class ImportRefusedDto {
  @ApiProperty() id!: string;
  @ApiProperty() reason!: string;
}

class ImportCountsDto {
  @ApiProperty({ type: 'integer', description: 'entries of the tweet files (and deleted-tweets.js) read so far' })
  tweetsRead!: number;
  @ApiProperty({ type: 'integer' }) inserted!: number;
  @ApiProperty({ type: 'integer', description: 'stored by an earlier import, changed since' }) updated!: number;
  @ApiProperty({ type: 'integer', description: 'stored already (a sync stored version is never overwritten)' })
  unchanged!: number;
  @ApiProperty({ type: 'integer', description: 'tweets of deleted-tweets.js stored marked deleted' })
  deleted!: number;
  @ApiProperty({ type: [ImportRefusedDto], description: 'rows the database refused; the rest was stored' })
  refused!: ImportRefusedDto[];
}

class ImportBytesDto {
  @ApiProperty({ type: 'integer', description: 'bytes of the tweet files read so far' }) read!: number;
  @ApiProperty({ type: 'integer', description: 'bytes of the tweet files in all' }) total!: number;
}

export class ImportDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ['running', 'succeeded', 'failed'],
    description: 'failed: nothing was stored (see error)',
  })
  status!: ImportStatus;
  @ApiProperty({ description: 'the uploaded file name' }) fileName!: string;
  @ApiProperty({ type: 'integer', description: 'the uploaded file size' }) bytes!: number;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why the import failed' }) error!: string | null;
  @ApiProperty({ type: ImportOwnerDto, nullable: true, description: 'from data/account.js, once read' })
  owner!: ImportOwnerDto | null;
  @ApiProperty({ type: ImportBytesDto }) progress!: ImportBytesDto;
  @ApiProperty({ type: ImportCountsDto }) counts!: ImportCountsDto;
}

export function toImportDto(record: ImportRecord): ImportDto {
  const { progress } = record;
  return {
    id: record.id,
    status: record.status,
    fileName: record.fileName,
    bytes: record.bytes,
    startedAt: record.startedAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString() ?? null,
    error: record.error,
    owner: progress.owner,
    progress: { read: progress.bytesRead, total: progress.bytesTotal },
    counts: {
      tweetsRead: progress.tweetsRead,
      inserted: progress.inserted,
      updated: progress.updated,
      unchanged: progress.unchanged,
      deleted: progress.deleted,
      refused: progress.refused,
    },
  };
}
