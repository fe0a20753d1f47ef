/**
 * Bulk registration: StartThingRegistrationTask, Describe/List/ListReports/Stop
 * (https://docs.aws.amazon.com/iot/latest/developerguide/bulk-provisioning.html). The input file is a
 * newline-delimited JSON file, one line of template parameters per device. S3 is not emulated: the file is
 * put through the admin path `PUT /_emulator/provisioning/files/<bucket>/<key>?region=R` (raw content) and
 * read from the region's file store; the reports are written there too and linked with the admin URL that
 * serves them (`GET` on the same path), as AWS links them with S3 URLs.
 *
 * The emulator runs the task to completion inside the call (AWS runs it asynchronously: a caller must wait
 * for `Completed`, which the sync does). Each line provisions through the same engine as RegisterThing,
 * calling the operation handlers, so each resource publishes its registry events; the task writes one
 * CloudTrail record, the StartThingRegistrationTask call itself. UNCONFIRMED: the report line format
 * (AWS does not document it); the emulator writes `{"referenceId", "response": {"ResourceArns"}}` for a
 * result and `{"referenceId", "errorCode", "errorMessage"}` for an error.
 */
import { randomUUID } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import { AwsError, invalidRequest, resourceNotFound } from '../errors';
import { optionalInt, optionalString, requiredString } from '../input';
import { pageSize, paginate } from '../pagination';
import type { ThingRegistrationTaskRecord } from '../state';
import { provisionFromTemplate } from './provisioning';

/** The region's file store key of an object. */
export const fileKey = (bucket: string, key: string): string => `${bucket}/${key}`;

function requireTask(ctx: OperationContext, taskId: string): ThingRegistrationTaskRecord {
  const task = ctx.state.thingRegistrationTasks.get(taskId);
  if (!task) throw resourceNotFound(`Thing registration task ${taskId} does not exist`);
  return task;
}

/** Template parameters of one input line (values as strings, as the template engine takes them). */
function lineParameters(line: string, index: number): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw invalidRequest(`line ${index + 1} of the input file is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequest(`line ${index + 1} of the input file is not a JSON object`);
  return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** The handlers of bulk registration. */
export const thingRegistrationTaskOperations: OperationTable = {
  async StartThingRegistrationTask(ctx, input) {
    const templateBody = requiredString(input, 'templateBody');
    const bucket = requiredString(input, 'inputFileBucket');
    const key = requiredString(input, 'inputFileKey');
    const roleArn = requiredString(input, 'roleArn');
    const file = ctx.state.files.get(fileKey(bucket, key));
    if (file === undefined) throw invalidRequest(`The input file s3://${bucket}/${key} does not exist (put it with PUT /_emulator/provisioning/files/${bucket}/${key}?region=${ctx.region})`);
    const taskId = randomUUID();
    const results: string[] = [];
    const errors: string[] = [];
    const lines = file.split('\n').map((l) => l.trim());
    for (const [index, line] of lines.entries()) {
      if (line === '') continue;
      const referenceId = String(index);
      try {
        const out = await provisionFromTemplate(ctx, templateBody, lineParameters(line, index));
        results.push(JSON.stringify({ referenceId, response: { ResourceArns: out.resourceArns } }));
      } catch (error) {
        // One bad line never stops the others: it goes to the errors report.
        const e = error instanceof AwsError ? error : invalidRequest(error instanceof Error ? error.message : String(error));
        errors.push(JSON.stringify({ referenceId, errorCode: e.code, errorMessage: e.message }));
      }
    }
    const reportKey = (type: string) => `thing-registration-tasks/${taskId}/${type.toLowerCase()}.json`;
    ctx.state.files.set(fileKey(bucket, reportKey('RESULTS')), results.join('\n'));
    ctx.state.files.set(fileKey(bucket, reportKey('ERRORS')), errors.join('\n'));
    const task: ThingRegistrationTaskRecord = {
      taskId,
      templateBody,
      inputFileBucket: bucket,
      inputFileKey: key,
      roleArn,
      status: 'Completed',
      successCount: results.length,
      failureCount: errors.length,
      creationDate: ctx.now,
      lastModifiedDate: ctx.now,
      reports: { RESULTS: reportKey('RESULTS'), ERRORS: reportKey('ERRORS') },
      seq: ++ctx.state.seq,
    };
    ctx.state.thingRegistrationTasks.set(taskId, task);
    return { body: { taskId } };
  },

  DescribeThingRegistrationTask(ctx, input) {
    const t = requireTask(ctx, requiredString(input, 'taskId'));
    return {
      body: {
        taskId: t.taskId,
        creationDate: seconds(t.creationDate),
        lastModifiedDate: seconds(t.lastModifiedDate),
        templateBody: t.templateBody,
        inputFileBucket: t.inputFileBucket,
        inputFileKey: t.inputFileKey,
        roleArn: t.roleArn,
        status: t.status,
        successCount: t.successCount,
        failureCount: t.failureCount,
        percentageProgress: 100,
      },
    };
  },

  ListThingRegistrationTasks(ctx, input) {
    const status = optionalString(input, 'status');
    const tasks = [...ctx.state.thingRegistrationTasks.values()].filter((t) => status === undefined || t.status === status).sort((a, b) => a.seq - b.seq);
    const page = paginate(tasks, (t) => String(t.seq).padStart(15, '0'), pageSize(optionalInt(input, 'maxResults'), 'maxResults', 25), optionalString(input, 'nextToken'), 'nextToken');
    return { body: { taskIds: page.items.map((t) => t.taskId), ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },

  ListThingRegistrationTaskReports(ctx, input) {
    const t = requireTask(ctx, requiredString(input, 'taskId'));
    const reportType = requiredString(input, 'reportType');
    if (reportType !== 'RESULTS' && reportType !== 'ERRORS') throw invalidRequest(`Invalid reportType: ${reportType}`);
    const path = `/_emulator/provisioning/files/${t.inputFileBucket}/${t.reports[reportType]}?region=${ctx.region}`;
    return { body: { reportType, resourceLinks: [`${ctx.endpoint ?? ''}${path}`] } };
  },

  StopThingRegistrationTask(ctx, input) {
    const t = requireTask(ctx, requiredString(input, 'taskId'));
    if (t.status !== 'InProgress') throw invalidRequest(`Thing registration task ${t.taskId} is ${t.status}; only a task in progress can be stopped`);
    t.status = 'Cancelled';
    t.lastModifiedDate = ctx.now;
    return { body: {} };
  },
};
