/**
 * The emulator's MQTT data plane: one TLS port for every region, the region chosen by SNI, one aedes
 * broker per region (topics do not cross regions), client certificates authenticated and every Connect,
 * Publish, Subscribe and Receive authorized against the region's live registry.
 *
 * How refusals look, as AWS: an authentication failure closes the connection during or right after the
 * TLS handshake; an unauthorized Connect gets CONNACK "not authorized" (return code 5; UNCONFIRMED:
 * AWS may instead close the connection for MQTT 3.1.1); an unauthorized Publish closes the connection
 * (UNCONFIRMED); an unauthorized Subscribe gets SUBACK 0x80; a message a client may not Receive is not
 * delivered. https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html
 * aedes 1.2.0 speaks MQTT 3.1 and 3.1.1 only (its connect handler refuses protocol level 5).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer, type SecureContext, type Server, type TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { CertificateIssuer } from '../issuer';
import type { RegionState } from '../state';
import {
  authenticateCertificate,
  authorize,
  connectionFacts,
  regionForServerName,
  type AuthenticatedCertificate,
  type RefusalReason,
} from './authorization';
import type { ConnectionFacts } from '../../../core/iot-policy-evaluation';

/** What the data plane needs from the emulator core. */
export interface RegistryView {
  readonly accountId: string;
  regionNames(): string[];
  regionState(name: string): RegionState;
}

/** How the data plane starts. */
export interface DataPlaneOptions {
  host: string;
  port: number;
  /** Region of connections that send no SNI (default: none, they are refused). */
  defaultRegion?: string;
}

/** One refused connection attempt (for tests and the admin log; never holds key material). */
export interface Refusal {
  time: number;
  region?: string;
  serverName?: string;
  clientId?: string;
  certificateId?: string;
  reason: RefusalReason;
}

/** A running data plane. */
export interface DataPlane {
  readonly port: number;
  /** `mqtts://HOST:PORT`. */
  readonly url: string;
  /** Makes a region's data plane stop answering (closing its connections) or answer again. */
  setRegionAvailable(region: string, available: boolean): void;
  /** Connected clients by region. */
  connectedCount(region: string): number;
  /** The refusals so far, oldest first (the last 10,000). */
  refusals(): Refusal[];
  close(): Promise<void>;
}

interface ConnectionState {
  region: string;
  cert: AuthenticatedCertificate;
  facts?: ConnectionFacts;
}

const MAX_REFUSALS = 10_000;

/** Starts the TLS listener; resolves once it listens. */
export async function startDataPlane(registry: RegistryView, issuer: CertificateIssuer, options: DataPlaneOptions): Promise<DataPlane> {
  const brokers = new Map<string, Promise<Aedes>>();
  const unavailable = new Set<string>();
  const sockets = new Map<string, Set<TLSSocket>>();
  const contexts = new Map<string, Promise<SecureContext>>();
  const byConnection = new WeakMap<object, ConnectionState>();
  const refusals: Refusal[] = [];
  const refuse = (r: Omit<Refusal, 'time'>) => {
    refusals.push({ time: Date.now(), ...r });
    if (refusals.length > MAX_REFUSALS) refusals.shift();
  };

  const regionsMap = (): Map<string, RegionState> => new Map(registry.regionNames().map((n) => [n, registry.regionState(n)]));

  const contextFor = (name: string): Promise<SecureContext> => {
    let ctx = contexts.get(name);
    if (!ctx) {
      ctx = issuer.issueServerCertificate([name]).then((c) =>
        createSecureContext({ cert: c.certificatePem, key: c.privateKeyPem, ca: issuer.caCertificatePem }),
      );
      contexts.set(name, ctx);
    }
    return ctx;
  };
  // Served when a client sends no SNI (such a connection is refused unless there is a default region).
  const fallback = await issuer.issueServerCertificate(['localhost', '127.0.0.1', '::1']);

  const brokerFor = (region: string): Promise<Aedes> => {
    let broker = brokers.get(region);
    if (!broker) {
      broker = Aedes.createBroker({
        // The connection's own state decides; the MQTT username/password are not used with X.509.
        authenticate(client: Client, _u, _p, done) {
          const conn = byConnection.get(client.conn);
          if (!conn) return done(Object.assign(new Error('not authenticated'), { returnCode: 5 as const }), false);
          const state = registry.regionState(conn.region);
          conn.facts = connectionFacts(state, conn.region, registry.accountId, conn.cert, client.id);
          const decision = authorize(state, conn.cert, conn.facts, 'iot:Connect', client.id);
          if (decision.decision !== 'Allow') {
            refuse({
              region: conn.region,
              clientId: client.id,
              certificateId: conn.cert.id,
              reason: decision.decision === 'ExplicitDeny' ? 'a policy denies iot:Connect for this client' : 'no policy allows iot:Connect for this client',
            });
            return done(Object.assign(new Error('Not authorized'), { returnCode: 5 as const }), false);
          }
          done(null, true);
        },
        authorizePublish(client, packet, callback) {
          const conn = client ? byConnection.get(client.conn) : undefined;
          if (!client || !conn?.facts) return callback(new Error('not connected'));
          const state = registry.regionState(conn.region);
          const ok = authorize(state, conn.cert, conn.facts, 'iot:Publish', packet.topic).decision === 'Allow';
          callback(ok ? null : new Error(`iot:Publish on ${packet.topic} not authorized`));
        },
        authorizeSubscribe(client, subscription, callback) {
          const conn = byConnection.get(client.conn);
          if (!conn?.facts) return callback(new Error('not connected'));
          const state = registry.regionState(conn.region);
          const ok = authorize(state, conn.cert, conn.facts, 'iot:Subscribe', subscription.topic).decision === 'Allow';
          callback(null, ok ? subscription : null);
        },
        authorizeForward(client, packet) {
          const conn = byConnection.get(client.conn);
          if (!conn?.facts) return null;
          const state = registry.regionState(conn.region);
          return authorize(state, conn.cert, conn.facts, 'iot:Receive', packet.topic).decision === 'Allow' ? packet : null;
        },
      });
      brokers.set(region, broker);
    }
    return broker;
  };

  const server: Server = createServer({
    requestCert: true,
    // Client certificates are judged against the registry below, not against a trust store.
    rejectUnauthorized: false,
    SNICallback: (name, cb) => {
      // A stopped region's data plane does not answer: abort at the ClientHello, before any handshake work.
      const target = regionForServerName(name, regionsMap(), options.defaultRegion);
      if ('region' in target && unavailable.has(target.region)) {
        refuse({ region: target.region, serverName: name, reason: 'region unavailable' });
        return cb(new Error(`${target.region} unavailable`));
      }
      contextFor(name).then(
        (ctx) => cb(null, ctx),
        (err: Error) => cb(err),
      );
    },
    cert: fallback.certificatePem,
    key: fallback.privateKeyPem,
  });

  server.on('secureConnection', (socket: TLSSocket) => {
    socket.on('error', () => socket.destroy());
    const serverName = typeof socket.servername === 'string' ? socket.servername : undefined;
    const target = regionForServerName(serverName, regionsMap(), options.defaultRegion);
    if ('refused' in target) {
      refuse({ ...(serverName ? { serverName } : {}), reason: target.refused });
      return void socket.destroy();
    }
    const { region } = target;
    if (unavailable.has(region)) {
      refuse({ region, ...(serverName ? { serverName } : {}), reason: 'region unavailable' });
      return void socket.destroy();
    }
    const cert = authenticateCertificate(registry.regionState(region), socket.getPeerX509Certificate(), serverName !== undefined);
    if ('refused' in cert) {
      refuse({ region, ...(serverName ? { serverName } : {}), ...(cert.certificateId ? { certificateId: cert.certificateId } : {}), reason: cert.refused });
      return void socket.destroy();
    }
    byConnection.set(socket, { region, cert });
    let set = sockets.get(region);
    if (!set) sockets.set(region, (set = new Set()));
    set.add(socket);
    socket.once('close', () => set.delete(socket));
    brokerFor(region).then(
      (broker) => {
        if (!socket.destroyed) broker.handle(socket);
      },
      () => socket.destroy(),
    );
  });
  server.on('tlsClientError', () => undefined);

  server.listen(options.port, options.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    port,
    url: `mqtts://${urlHost}:${port}`,
    setRegionAvailable(region, available) {
      if (available) return void unavailable.delete(region);
      unavailable.add(region);
      for (const s of sockets.get(region) ?? []) s.destroy();
    },
    connectedCount: (region) => sockets.get(region)?.size ?? 0,
    refusals: () => [...refusals],
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const set of sockets.values()) for (const s of set) s.destroy();
      for (const b of brokers.values()) {
        const broker = await b;
        await new Promise<void>((resolve) => broker.close(() => resolve()));
      }
      await closed;
    },
  };
}
