import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../audit/audit-log.js';
import type { AuditDetail } from '../db/entities.js';
import type { Database } from '../db/data-source.js';

/** Label values are drawn from fixed sets only: no user, address, IP or token ever becomes a label. */
const USER_TYPES = new Set(['student', 'graduate', 'staff']);
const LOGIN_RESULTS: Partial<Record<AuditEvent, string>> = {
  'login.success': 'success',
  'login.failure': 'failure',
  'login.locked': 'locked',
  'login.directory_unavailable': 'directory_unavailable',
};

/** The provider's own endpoints (oidc-provider default routes), as route labels. */
const PROVIDER_ROUTES: Array<[RegExp, string]> = [
  [/^\/auth\/[^/]+$/, '/auth/:uid'],
  [/^\/(auth|token|me|jwks|reg|request|backchannel|device|device\/auth)$/, ''],
  [/^\/token\/(introspection|revocation)$/, ''],
  [/^\/session\/end(\/confirm|\/success)?$/, ''],
  [/^\/\.well-known\/openid-configuration$/, ''],
];

interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/** The route label of a request: the router's pattern, a provider endpoint, or a coarse class. */
export function routeLabel(path: string, matchedRoute: string | undefined): string {
  if (matchedRoute) return matchedRoute;
  for (const [pattern, label] of PROVIDER_ROUTES) if (pattern.test(path)) return label || path;
  if (path.startsWith('/css/') || path.startsWith('/js/') || path.startsWith('/img/') || path === '/favicon.ico') return 'static';
  return 'unmatched';
}

/** The standard process_* and nodejs_* metrics: one set per process, however many servers it runs. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one server (its own registry, so several servers in one process — the
 * tests — do not collide), plus the process metrics. The application's names start with certidp_.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'user_type' | 'result'>;
  private readonly lockouts: Counter<'user_type'>;
  private readonly http: Histogram<'method' | 'route' | 'status_code'>;
  private readonly steps: Histogram<'step' | 'method'>;
  private readonly hashing: Histogram<'operation'>;
  private readonly mailDeliveries: Counter<'result'>;
  private readonly logoutDeliveries: Counter<'result'>;

  constructor(sources: {
    database: Database;
    hashQueue: () => { queued: number; active: number };
    mailCounts: () => Promise<{ pending: number; failed: number }>;
    pendingLogouts: () => Promise<number>;
  }) {
    const registers = [this.registry];
    this.logins = new Counter({
      name: 'certidp_logins_total', help: 'Login attempts by user type and result (success, failure, locked, directory_unavailable).',
      labelNames: ['user_type', 'result'], registers,
    });
    this.lockouts = new Counter({ name: 'certidp_login_lockouts_total', help: 'Accounts or addresses locked by the throttle.', labelNames: ['user_type'], registers });
    this.http = new Histogram({
      name: 'certidp_http_request_duration_seconds', help: 'HTTP request durations by route pattern.',
      labelNames: ['method', 'route', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    this.steps = new Histogram({
      name: 'certidp_interaction_step_duration_seconds', help: 'Latency of each login/interaction step (screen or form post).',
      labelNames: ['step', 'method'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers,
    });
    this.hashing = new Histogram({
      name: 'certidp_password_hash_duration_seconds', help: 'Time of one argon2 computation (hash or verify), queue wait excluded.',
      labelNames: ['operation'], buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2], registers,
    });
    new Gauge({
      name: 'certidp_password_hash_queue_length', help: 'Password hashes waiting for a free slot (bounded concurrency).', registers,
      collect() { this.set(sources.hashQueue().queued); },
    });
    new Gauge({
      name: 'certidp_password_hash_active', help: 'Password hashes running now.', registers,
      collect() { this.set(sources.hashQueue().active); },
    });
    this.mailDeliveries = new Counter({
      name: 'certidp_mail_deliveries_total', help: 'Mail delivery attempts by this process: sent, retry (temporary failure) or failed (gave up).',
      labelNames: ['result'], registers,
    });
    const mailGauge = (name: string, help: string, field: 'pending' | 'failed') => new Gauge({
      name, help, registers,
      async collect() {
        try {
          this.set((await sources.mailCounts())[field]);
        } catch {
          // database unreachable: keep the last value (readiness reports the outage)
        }
      },
    });
    mailGauge('certidp_mail_outbox_pending', 'Mails queued in the outbox table (all replicas), not yet delivered.', 'pending');
    mailGauge('certidp_mail_outbox_failed', 'Mails in the outbox table that were given up after the maximum attempts.', 'failed');
    this.logoutDeliveries = new Counter({
      name: 'certidp_backchannel_logouts_total',
      help: 'Back-channel logout attempts by this process: sent, retry (the relying party did not take it) or abandoned (gave up).',
      labelNames: ['result'], registers,
    });
    new Gauge({
      name: 'certidp_backchannel_logouts_pending', help: 'Back-channel logouts written (all replicas) that no relying party has taken yet.', registers,
      async collect() {
        try {
          this.set(await sources.pendingLogouts());
        } catch {
          // database unreachable: keep the last value (readiness reports the outage)
        }
      },
    });

    const pool = () => (sources.database.dataSource.driver as { pool?: PoolInternals }).pool;
    new Gauge({
      name: 'certidp_db_pool_connections', help: 'Database pool connections by state (in_use, idle) and the pool maximum (max).',
      labelNames: ['state'], registers,
      collect() {
        const p = pool();
        if (!p) return;
        const all = p._allConnections?.length ?? 0;
        const idle = p._freeConnections?.length ?? 0;
        this.set({ state: 'in_use' }, all - idle);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'max' }, p.config?.connectionLimit ?? 0);
      },
    });
    new Gauge({
      name: 'certidp_db_pool_waiting', help: 'Requests waiting for a database connection.', registers,
      collect() { this.set(pool()?._connectionQueue?.length ?? 0); },
    });
  }

  login(event: AuditEvent, detail: AuditDetail | null | undefined): void {
    const result = LOGIN_RESULTS[event];
    if (!result) return;
    const userType = typeof detail?.userType === 'string' && USER_TYPES.has(detail.userType) ? detail.userType : 'unknown';
    if (event === 'login.locked' && detail?.lockedNow) {
      // the failure that exhausted the limit was counted already; this is the lock it caused
      this.lockouts.inc({ user_type: userType });
      return;
    }
    this.logins.inc({ user_type: userType, result });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status_code: String(status) }, seconds);
    if (route.startsWith('/interaction/') || route === '/auth/:uid') this.steps.observe({ step: route, method }, seconds);
  }

  passwordHash(operation: 'hash' | 'verify', seconds: number): void {
    this.hashing.observe({ operation }, seconds);
  }

  mailDelivery(result: 'sent' | 'retry' | 'failed'): void {
    this.mailDeliveries.inc({ result });
  }

  backchannelLogout(result: 'sent' | 'retry' | 'abandoned'): void {
    this.logoutDeliveries.inc({ result });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }
}
