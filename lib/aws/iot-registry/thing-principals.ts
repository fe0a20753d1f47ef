/**
 * Certificates attached to things in one region: listed from either side, attached and detached.
 * Principals that are not certificates (e.g. Cognito identities) are counted and left out.
 */
import { AttachThingPrincipalCommand, DetachThingPrincipalCommand } from '@aws-sdk/client-iot';
import type { ThingPrincipalAttachment, ThingPrincipalType } from '../../core/model';
import { thingPrincipalKey } from '../../core/keys';
import { certificateIdOfArn } from '../arns';
import type { RegistryCalls } from './calls';
import type { PrincipalListing } from './principal-listing';
import type { TargetArns } from './target-arns';

/** The thing-principal operations of the port. */
export class ThingPrincipals {
  /** Principals left out because they are not certificates. */
  skippedPrincipals = 0;

  constructor(
    private readonly calls: RegistryCalls,
    private readonly targetArns: TargetArns,
    private readonly listing: PrincipalListing,
  ) {}

  /** Certificates attached to the thing (other principal kinds are skipped); a missing thing has none. */
  async listOfThing(thingName: string): Promise<ThingPrincipalAttachment[]> {
    const principals = await this.listing.principalsOfThing(thingName);
    if (!principals) return [];
    const attachments: ThingPrincipalAttachment[] = [];
    for (const { principal, type } of principals) {
      const certificateId = certificateIdOfArn(principal);
      if (certificateId === undefined) {
        this.skipPrincipal(principal, { thingName });
        continue;
      }
      attachments.push({ thingName, certificateId, type: type ?? 'NON_EXCLUSIVE_THING' });
    }
    return attachments;
  }

  /** Things the certificate is attached to; a missing certificate has none. */
  async listOfCertificate(certificateId: string): Promise<ThingPrincipalAttachment[]> {
    const key = `cert/${certificateId}`;
    const principal = await this.targetArns.of({ kind: 'certificate', certificateId }, key);
    if (!principal) return [];
    const things = await this.listing.thingsOfPrincipal(principal, key);
    return (things ?? []).map(({ thingName, type }) => ({ thingName, certificateId, type: type ?? 'NON_EXCLUSIVE_THING' }));
  }

  async attach(thingName: string, certificateId: string, type: ThingPrincipalType): Promise<void> {
    const key = `thingPrincipal/${thingPrincipalKey({ thingName, certificateId })}`;
    const principal = await this.targetArns.required({ kind: 'certificate', certificateId }, key, 'AttachThingPrincipal');
    await this.calls.call('AttachThingPrincipal', key, () =>
      this.calls.client.send(new AttachThingPrincipalCommand({ thingName, principal, thingPrincipalType: type })),
    );
  }

  async detach(thingName: string, certificateId: string): Promise<void> {
    const key = `thingPrincipal/${thingPrincipalKey({ thingName, certificateId })}`;
    const principal = await this.targetArns.required({ kind: 'certificate', certificateId }, key, 'DetachThingPrincipal');
    await this.calls.call('DetachThingPrincipal', key, () =>
      this.calls.client.send(new DetachThingPrincipalCommand({ thingName, principal })),
    );
  }

  private skipPrincipal(principal: string, data: Record<string, unknown>): void {
    this.skippedPrincipals += 1;
    this.calls.logger?.warn('thing principal skipped: not a certificate', { region: this.calls.region, principal, ...data });
  }
}
