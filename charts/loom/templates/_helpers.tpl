{{/* Names, labels and the endpoints every runnable shares. */}}

{{- define "loom.fullname" -}}
{{- if contains "loom" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-loom" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one runnable's objects: <fullname>-<name>. Args: root, name. */}}
{{- define "loom.name" -}}
{{- printf "%s-%s" (include "loom.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loom.selectorLabels" -}}
app.kubernetes.io/name: loom
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "loom.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: loom
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- range $k, $v := .Values.global.commonLabels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* Labels of one runnable's objects. Args: root, name. */}}
{{- define "loom.labels" -}}
{{ include "loom.selectorLabels" . }}
{{ include "loom.commonLabels" .root }}
{{- end -}}

{{/* Labels of release-wide objects (no component). */}}
{{- define "loom.releaseLabels" -}}
app.kubernetes.io/name: loom
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "loom.commonLabels" . }}
{{- end -}}

{{- define "loom.imageTag" -}}
{{- .Values.global.imageTag | default .Chart.AppVersion -}}
{{- end -}}

{{/* Image of a runnable. Args: root, runnable. */}}
{{- define "loom.image" -}}
{{- printf "%s/loom-%s:%s" .root.Values.global.imageRegistry .runnable (include "loom.imageTag" .root) -}}
{{- end -}}

{{/* One entry of components/workers merged over `defaults` (the entry wins; lists are replaced). */}}
{{- define "loom.merged" -}}
{{- $merged := mustMergeOverwrite (deepCopy .root.Values.defaults) (deepCopy .entry) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "loom.configName" -}}
{{- printf "%s-config" (include "loom.fullname" .) -}}
{{- end -}}

{{- define "loom.authSecretName" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "loom.fullname" .)) -}}
{{- end -}}

{{- define "loom.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s-nats.%s.svc:4222" .Release.Name .Release.Namespace -}}
{{- else -}}
{{- .Values.externalNats.url -}}
{{- end -}}
{{- end -}}

{{- define "loom.temporalAddress" -}}
{{- if .Values.temporal.enabled -}}
{{- printf "%s-temporal-frontend.%s.svc:7233" .Release.Name .Release.Namespace -}}
{{- else -}}
{{- .Values.externalTemporal.address -}}
{{- end -}}
{{- end -}}

{{- define "loom.pgClusterName" -}}
{{- printf "%s-pg" (include "loom.fullname" .) -}}
{{- end -}}

{{- define "loom.rayServiceName" -}}
{{- printf "%s-models" (include "loom.fullname" .) -}}
{{- end -}}

{{/* KubeRay names the Serve service <RayService name>-serve-svc; Ray Serve's HTTP port is 8000. */}}
{{- define "loom.rayServeUrl" -}}
{{- printf "http://%s-serve-svc.%s.svc:8000" (include "loom.rayServiceName" .) .Release.Namespace -}}
{{- end -}}

{{/*
LOOM_DB_URL as env entries. CloudNativePG writes the app credentials to <cluster>-app; the URL is
assembled with Kubernetes' $(VAR) expansion because the driver needs the postgresql+asyncpg scheme.
CNPG's generated passwords are alphanumeric, so they need no URL escaping.
*/}}
{{- define "loom.dbEnv" -}}
{{- if eq .Values.postgresql.mode "cnpg" }}
- name: LOOM_DB_USER
  valueFrom:
    secretKeyRef: {name: {{ include "loom.pgClusterName" . }}-app, key: username}
- name: LOOM_DB_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ include "loom.pgClusterName" . }}-app, key: password}
- name: LOOM_DB_URL
  value: {{ printf "postgresql+asyncpg://$(LOOM_DB_USER):$(LOOM_DB_PASSWORD)@%s-rw.%s.svc:5432/loom" (include "loom.pgClusterName" .) .Release.Namespace | quote }}
{{- else }}
- name: LOOM_DB_URL
  valueFrom:
    secretKeyRef: {name: {{ .Values.postgresql.external.existingSecret }}, key: {{ .Values.postgresql.external.key }}}
{{- end }}
{{- end -}}

{{/* Hardened pod-level security context shared by Loom's own pods. */}}
{{- define "loom.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "loom.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}
