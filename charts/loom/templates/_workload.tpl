{{/*
The Deployment of one runnable, shared by gRPC services (kind=component) and Temporal workers
(kind=worker). Args: root, name, kind, cfg (the entry merged over `defaults`).
*/}}
{{- define "loom.deployment" -}}
{{- $root := .root -}}
{{- $cfg := .cfg -}}
{{- $isComponent := eq .kind "component" -}}
{{- $runnable := ternary .name "worker" $isComponent -}}
{{- $ctx := dict "root" $root "name" .name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
spec:
  {{- if not $cfg.autoscaling.enabled }}
  replicas: {{ $cfg.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "loom.selectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  template:
    metadata:
      labels:
        {{- include "loom.labels" $ctx | nindent 8 }}
      annotations:
        # Roll pods when shared config changes.
        checksum/config: {{ include (print $root.Template.BasePath "/config.yaml") $root | sha256sum }}
        {{- range $k, $v := $cfg.podAnnotations }}
        {{ $k }}: {{ $v | quote }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "loom.name" $ctx }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $cfg.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "loom.podSecurityContext" $root | nindent 8 }}
      {{- with $root.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- if $cfg.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $cfg.topologySpread.topologyKeys }}
        - maxSkew: {{ $cfg.topologySpread.maxSkew }}
          topologyKey: {{ . }}
          whenUnsatisfiable: {{ $cfg.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "loom.selectorLabels" $ctx | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with $cfg.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $cfg.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "loom.image" (dict "root" $root "runnable" $runnable) }}
          imagePullPolicy: {{ $root.Values.global.imagePullPolicy }}
          command: [python, -m, {{ ternary (printf "services.%s" .name) "workflows.worker" $isComponent }}]
          ports:
            {{- if $isComponent }}
            - {name: grpc, containerPort: {{ $cfg.grpcPort }}, protocol: TCP}
            {{- if $root.Values.tls.enabled }}
            - {name: health, containerPort: {{ $root.Values.tls.healthPort }}, protocol: TCP}
            {{- end }}
            {{- end }}
            - {name: metrics, containerPort: {{ $cfg.metricsPort }}, protocol: TCP}
          env:
            {{- include "loom.env" . | nindent 12 }}
          {{- include "loom.probes" . | nindent 10 }}
          resources:
            {{- toYaml $cfg.resources | nindent 12 }}
          securityContext:
            {{- include "loom.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            - {name: auth, mountPath: /etc/loom/auth, readOnly: true}
            {{- if $root.Values.tls.enabled }}
            - {name: tls, mountPath: /etc/loom/tls, readOnly: true}
            {{- end }}
            {{- if and (not $isComponent) $root.Values.externalTemporal.tlsSecret (not $root.Values.temporal.enabled) }}
            - {name: temporal-tls, mountPath: /etc/loom/temporal-tls, readOnly: true}
            {{- end }}
      volumes:
        # The root filesystem is read-only; LOOM_HOME and Python's temp files live here.
        - name: tmp
          emptyDir: {sizeLimit: 256Mi}
        - name: auth
          secret:
            secretName: {{ include "loom.authSecretName" $root }}
            items: [{key: tokens.yaml, path: tokens.yaml}]
        {{- if $root.Values.tls.enabled }}
        - name: tls
          secret: {secretName: {{ $root.Values.tls.secretName }}}
        {{- end }}
        {{- if and (not $isComponent) $root.Values.externalTemporal.tlsSecret (not $root.Values.temporal.enabled) }}
        - name: temporal-tls
          secret: {secretName: {{ $root.Values.externalTemporal.tlsSecret }}}
        {{- end }}
{{- end -}}

{{/* Environment of one runnable: only what it uses. Same args as loom.deployment. */}}
{{- define "loom.env" -}}
{{- $root := .root -}}
{{- $cfg := .cfg -}}
{{- $isComponent := eq .kind "component" -}}
{{- $config := include "loom.configName" $root -}}
- name: LOOM_LOG_LEVEL
  valueFrom: {configMapKeyRef: {name: {{ $config }}, key: LOOM_LOG_LEVEL}}
- name: LOOM_HOME
  value: /tmp/loom
- name: LOOM_METRICS_PORT
  value: {{ $cfg.metricsPort | quote }}
- name: LOOM_AUTH_TOKENS_FILE
  value: /etc/loom/auth/tokens.yaml
- name: LOOM_SERVICE_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ include "loom.authSecretName" $root }}, key: {{ printf "token-%s" .name }}}
{{- if $isComponent }}
- name: LOOM_GRPC_PORT
  value: {{ $cfg.grpcPort | quote }}
{{- else }}
- name: LOOM_TASK_QUEUES
  value: {{ $cfg.taskQueue | quote }}
{{- end }}
{{- if or (not $isComponent) $cfg.bus }}
- name: LOOM_NATS_URL
  valueFrom: {configMapKeyRef: {name: {{ $config }}, key: LOOM_NATS_URL}}
{{- end }}
{{- if or (not $isComponent) $cfg.temporal }}
- name: LOOM_TEMPORAL_ADDRESS
  valueFrom: {configMapKeyRef: {name: {{ $config }}, key: LOOM_TEMPORAL_ADDRESS}}
- name: LOOM_TEMPORAL_NAMESPACE
  valueFrom: {configMapKeyRef: {name: {{ $config }}, key: LOOM_TEMPORAL_NAMESPACE}}
{{- if and $root.Values.externalTemporal.tlsSecret (not $root.Values.temporal.enabled) }}
- name: LOOM_TEMPORAL_TLS_CERT_FILE
  value: /etc/loom/temporal-tls/tls.crt
- name: LOOM_TEMPORAL_TLS_KEY_FILE
  value: /etc/loom/temporal-tls/tls.key
{{- end }}
{{- end }}
{{- if $cfg.database }}
{{- include "loom.dbEnv" $root }}
{{- end }}
{{- if $cfg.rayServe }}
- name: LOOM_SERVE_URL
  value: {{ printf "%s/%s" (include "loom.rayServeUrl" $root) .name | quote }}
{{- end }}
{{- range $cfg.callees }}
{{- $callee := index $root.Values.components . }}
- name: {{ printf "LOOM_%s_ADDR" (upper .) }}
  value: {{ printf "%s.%s.svc:%v" (include "loom.name" (dict "root" $root "name" .)) $root.Release.Namespace $callee.grpcPort | quote }}
{{- end }}
{{- if $root.Values.tls.enabled }}
- name: LOOM_TLS_CERT_FILE
  value: /etc/loom/tls/tls.crt
- name: LOOM_TLS_KEY_FILE
  value: /etc/loom/tls/tls.key
- name: LOOM_TLS_CA_FILE
  value: /etc/loom/tls/ca.crt
{{- if $isComponent }}
- name: LOOM_HEALTH_PORT
  value: {{ $root.Values.tls.healthPort | quote }}
{{- end }}
{{- end }}
{{- range $k, $v := $cfg.env }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/*
Probes. Services: the kubelet's native gRPC probe against grpc.health.v1 (the runtime's stock
health service). Workers serve no gRPC; their metrics endpoint answers once the worker runs.
*/}}
{{- define "loom.probes" -}}
{{- $root := .root -}}
{{- if eq .kind "component" -}}
{{- $port := ternary $root.Values.tls.healthPort .cfg.grpcPort $root.Values.tls.enabled -}}
startupProbe:
  grpc: {port: {{ $port }}}
  periodSeconds: 2
  failureThreshold: 60
readinessProbe:
  grpc: {port: {{ $port }}}
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  grpc: {port: {{ $port }}}
  periodSeconds: 10
  failureThreshold: 3
{{- else -}}
startupProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 2
  failureThreshold: 60
readinessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 10
livenessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 15
  failureThreshold: 4
{{- end -}}
{{- end -}}
