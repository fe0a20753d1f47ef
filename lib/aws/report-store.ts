/** The drift report bucket: chunk results and finished reports in S3, as the core's DriftStore port. */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DriftStore } from '../core/drift-read';
import { TransientServiceError } from '../core/errors';

/** A DriftStore over one S3 bucket (region and credentials from the environment). */
export function createS3ReportStore(bucket: string, client: S3Client = new S3Client({})): DriftStore {
  const failed = (action: string, key: string, error: unknown) =>
    new TransientServiceError(`S3 ${action} s3://${bucket}/${key} failed: ${(error as Error).message}`, { cause: error });
  return {
    async put(key, body, contentType) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      } catch (error) {
        throw failed('PutObject', key, error);
      }
    },
    async get(key) {
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return output.Body === undefined ? '' : await output.Body.transformToString('utf8');
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw failed('GetObject', key, error);
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const output = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          for (const o of output.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
          token = output.IsTruncated ? output.NextContinuationToken : undefined;
        } while (token !== undefined);
      } catch (error) {
        throw failed('ListObjectsV2', prefix, error);
      }
      // S3 lists in UTF-8 binary order; sort anyway so the contract does not depend on it.
      return keys.sort();
    },
  };
}

/** The S3 URI of a key, for events and logs. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
