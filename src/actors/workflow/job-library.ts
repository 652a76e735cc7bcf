/** Every job Monorail ships, by the `runJob` name base tasks use (RackHD's names where RackHD had the job). */
import type { Job } from './job.ts';
import type { JobServices } from './job-services.ts';
import { conditionJob, noopJob, waitJob } from './jobs/basic-jobs.ts';
import { generateSkuJob, generateTagJob } from './jobs/catalog-jobs.ts';
import { graphRunJob } from './jobs/graph-jobs.ts';
import { bootstrapJob, linuxCatalogJob, linuxCommandsJob, linuxExitJob } from './jobs/microkernel-jobs.ts';
import { obmCreateJob, obmNodeJob } from './jobs/obm-jobs.ts';
import { osInstallJob } from './jobs/os-install-job.ts';
import { restJob } from './jobs/rest-job.ts';
import { templateRenderJob } from './jobs/template-job.ts';
import { waitNotificationJob, waitProtocolJob } from './jobs/wait-jobs.ts';

// Jobs that need no services are typed Job<unknown>; they accept any services object.
const all: readonly Job<JobServices>[] = [
  noopJob,
  waitJob,
  conditionJob,
  bootstrapJob,
  linuxCommandsJob,
  linuxExitJob,
  linuxCatalogJob,
  obmNodeJob,
  obmCreateJob,
  generateSkuJob,
  generateTagJob,
  graphRunJob,
  waitNotificationJob,
  waitProtocolJob,
  restJob,
  osInstallJob,
  templateRenderJob,
];

export function jobLibrary(): ReadonlyMap<string, Job<JobServices>> {
  return new Map(all.map((j) => [j.name, j]));
}
