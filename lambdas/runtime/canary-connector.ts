/**
 * The canary's connection through the project's device client (lib/aws/mqtt-device.ts): MQTT over mutual
 * TLS to one region's data endpoint with SNI = the custom domain (AWS IoT picks the domain configuration,
 * hence the server certificate, by SNI), client ID = the thing name (its policy names it).
 * https://docs.aws.amazon.com/iot/latest/developerguide/transport-security.html
 */
import type { CanaryConnection, CanaryConnector } from '../../lib/aws/canary';
import type { CanarySecret } from '../../lib/aws/canary-identity';
import { connectDevice } from '../../lib/aws/mqtt-device';

/** Where and as whom the canary connects. */
export interface CanaryTarget {
  /** Host to open the socket to (the region's iot:Data-ATS address, or 127.0.0.1 locally). */
  host: string;
  port: number;
  /** TLS server name: the custom domain. */
  serverName: string;
  secret: CanarySecret;
  connectTimeoutMs?: number;
}

/** A connector for one region; a refused connection rejects with the refusal's kind and message. */
export function deviceCanaryConnector(target: CanaryTarget): CanaryConnector {
  return async () => {
    const result = await connectDevice(
      { host: target.host, port: target.port, serverName: target.serverName, ...(target.secret.caPem ? { caPem: target.secret.caPem } : {}) },
      { clientId: target.secret.thingName, certificatePem: target.secret.certificatePem, privateKeyPem: target.secret.privateKey },
      { timeoutMs: target.connectTimeoutMs ?? 10_000 },
    );
    if (!result.ok) throw new Error(`${result.failure.kind}: ${result.failure.message}`);
    const device = result.device;
    const listeners = new Set<(topic: string, payload: string) => void>();
    let pump: Promise<void> | undefined;
    let topicOfInterest: string | undefined;
    // The device client hands out messages per topic; the canary listens on its one topic.
    const startPump = (topic: string) => {
      pump ??= (async () => {
        while (device.connected) {
          const message = await device.nextMessage(topic, 1000);
          if (message) for (const l of listeners) l(message.topic, message.payload.toString('utf8'));
        }
      })();
    };
    const connection: CanaryConnection = {
      subscribe: async (topic) => {
        if (!(await device.subscribe(topic))) throw new Error(`subscription to ${topic} refused (SUBACK 0x80)`);
        topicOfInterest = topic;
        startPump(topic);
      },
      publish: (topic, payload) => device.publish(topic, payload),
      onMessage: (listener) => {
        listeners.add(listener);
        if (topicOfInterest) startPump(topicOfInterest);
        return () => listeners.delete(listener);
      },
      close: async () => {
        await device.disconnect();
        await pump;
      },
    };
    return connection;
  };
}
