{{/* Names and labels. */}}
{{- define "cert-idp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cert-idp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cert-idp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cert-idp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cert-idp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cert-idp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "cert-idp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cert-idp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cert-idp.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* A secret reference as an EnvVar (the chart never holds the value). */}}
{{- define "cert-idp.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "secrets: a Secret name is required for %s" .env) .ref.name }}
      key: {{ required (printf "secrets: a key is required for %s" .env) .ref.key }}
{{- end -}}

{{/* Where the keys are mounted. */}}
{{- define "cert-idp.keysDir" -}}/var/run/secrets/cert-idp{{- end -}}

{{/*
Values the chart refuses, each with a message that names the key and says what to use instead
(values.schema.json checks the types; its "not" rules could only say "Must not validate the schema").
Included by configmap.yaml, so `helm template`, `helm install` and `helm upgrade` stop before anything is applied.
*/}}
{{- define "cert-idp.validate" -}}
{{- $issuer := .Values.issuer | default "" -}}
{{- if not (regexMatch `^https://[^?#\s]+[^/?#\s]$` $issuer) -}}
{{- $msg := printf "issuer %q is refused: use the public https:// URL of the service without a trailing slash, query or fragment (e.g. https://login.example.ac.jp); production requires https." $issuer -}}
{{- fail $msg -}}
{{- end -}}
{{- $config := .Values.config | default dict -}}
{{- if hasKey $config "demo" -}}
{{- $msg := "config.demo is refused: the demo (its built-in relying party, sample postal codes) is for development only and the server refuses to start with it in production. Remove config.demo; the production settings are config.directory (students: the file adapter with configFiles, or ldap/oidc) and config.clients with secrets.clientSecrets (relying parties)." -}}
{{- fail $msg -}}
{{- end -}}
{{- range $i, $client := $config.clients -}}
{{- if and (kindIs "map" $client) (hasKey $client "client_secret") -}}
{{- $env := printf "%s_CLIENT_SECRET" (regexReplaceAll `[^A-Z0-9]+` (upper (toString (default "client" $client.client_id))) "_") -}}
{{- $msg := printf "config.clients[%d].client_secret is refused: a client secret never goes inline (the values end up in a ConfigMap). Put it in a Secret, reference it in secrets.clientSecrets (e.g. {env: %s, name: <Secret>, key: <key>}) and give the client client_secret_env: %s instead." $i $env $env -}}
{{- fail $msg -}}
{{- end -}}
{{- end -}}
{{- range $i, $file := .Values.configFiles -}}
{{- if eq (toString $file.path) "cert-idp.yaml" -}}
{{- $msg := printf "configFiles[%d].path cert-idp.yaml is refused: that is the configuration file rendered from config. Choose another path (e.g. directory/students.yaml) and refer to it from config relative to the configuration file." $i -}}
{{- fail $msg -}}
{{- end -}}
{{- end -}}
{{- $fromSecrets := dict "DATABASE_URL" "secrets.database" "SMTP_URL" "secrets.smtp" "SIGNING_KEYS" "secrets.signingKeys" "COOKIE_KEYS" "secrets.cookieKeys" "DOCUMENT_KEYS" "secrets.documentKeys" -}}
{{- range $i, $env := .Values.extraEnv -}}
{{- $name := toString $env.name -}}
{{- if hasKey $fromSecrets $name -}}
{{- $msg := printf "extraEnv[%d].name %s is refused: it holds a secret, which never goes inline in the values. Reference your Secret in %s ({name, key}) instead; the chart sets %s from it." $i $name (get $fromSecrets $name) $name -}}
{{- fail $msg -}}
{{- end -}}
{{- end -}}
{{- if eq (int .Values.metrics.port) 3000 -}}
{{- $msg := "metrics.port 3000 is refused: 3000 is the HTTP port of the container. Choose another port for /metrics (the default is 9464)." -}}
{{- fail $msg -}}
{{- end -}}
{{- end -}}
