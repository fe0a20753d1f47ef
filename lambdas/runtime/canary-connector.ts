/**
 * The canary's connection: MQTT 3.1.1 over mutual TLS to one region's data endpoint, with SNI = the custom
 * domain (AWS IoT picks the domain configuration, hence the server certificate, by SNI) and ALPN
 * `x-amzn-mqtt-ca` on port 443, client ID = the thing name (policies use it).
 * https://docs.aws.amazon.com/iot/latest/developerguide/transport-security.html
 * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html (port 443 needs that ALPN)
 */
import mqtt from 'mqtt';
import type { CanaryConnection, CanaryConnector } from '../../lib/aws/canary';
import type { CanarySecret } from '../../lib/aws/canary-identity';

/** Where and as whom the canary connects. */
export interface CanaryTarget {
  /** Host to open the socket to (the region's iot:Data-ATS address, or 127.0.0.1 locally). */
  host: string;
  port: number;
  /** TLS server name: the custom domain. */
  servername: string;
  secret: CanarySecret;
  connectTimeoutMs?: number;
}

/** A connector for one region (mqtt.js over TLS). */
export function mqttCanaryConnector(target: CanaryTarget): CanaryConnector {
  return () =>
    new Promise<CanaryConnection>((resolve, reject) => {
      const client = mqtt.connect({
        protocol: 'mqtts',
        host: target.host,
        port: target.port,
        servername: target.servername,
        clientId: target.secret.thingName,
        cert: target.secret.certificatePem,
        key: target.secret.privateKey,
        ...(target.secret.caPem ? { ca: target.secret.caPem } : {}),
        ...(target.port === 443 ? { ALPNProtocols: ['x-amzn-mqtt-ca'] } : {}),
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: target.connectTimeoutMs ?? 10_000,
      });
      const fail = (error: Error) => {
        client.end(true);
        reject(error);
      };
      client.once('error', fail);
      client.once('close', () => fail(new Error('connection closed before CONNACK')));
      client.once('connect', () => {
        client.removeAllListeners('error');
        client.removeAllListeners('close');
        client.on('error', () => undefined);
        resolve({
          subscribe: async (topic) => {
            const granted = await client.subscribeAsync(topic, { qos: 1 });
            if (granted.some((g) => g.qos === 128)) throw new Error(`subscription to ${topic} refused (SUBACK 0x80)`);
          },
          publish: async (topic, payload) => {
            await client.publishAsync(topic, payload, { qos: 1 });
          },
          onMessage: (listener) => {
            const handler = (topic: string, payload: Buffer) => listener(topic, payload.toString('utf8'));
            client.on('message', handler);
            return () => client.off('message', handler);
          },
          close: () => client.endAsync(),
        });
      });
    });
}
