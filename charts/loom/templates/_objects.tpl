{{/*
The objects around each runnable's Deployment. Args: root, name, kind, cfg (see _workload.tpl).
*/}}

{{- define "loom.serviceAccount" -}}
{{- $ctx := dict "root" .root "name" .name -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
# Loom talks to no Kubernetes API; no token in the pod.
automountServiceAccountToken: false
{{- end -}}

{{- define "loom.service" -}}
{{- $ctx := dict "root" .root "name" .name -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "loom.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- if eq .kind "component" }}
    - {name: grpc, port: {{ .cfg.grpcPort }}, targetPort: grpc, protocol: TCP, appProtocol: grpc}
    {{- end }}
    - {name: metrics, port: {{ .cfg.metricsPort }}, targetPort: metrics, protocol: TCP}
{{- end -}}

{{- define "loom.hpa" -}}
{{- $ctx := dict "root" .root "name" .name -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "loom.name" $ctx }}
  minReplicas: {{ .cfg.autoscaling.minReplicas }}
  maxReplicas: {{ .cfg.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ .cfg.autoscaling.targetCPUUtilizationPercentage }}}
{{- end -}}

{{- define "loom.pdb" -}}
{{- $ctx := dict "root" .root "name" .name -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
spec:
  maxUnavailable: {{ .cfg.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "loom.selectorLabels" $ctx | nindent 6 }}
{{- end -}}

{{/*
Ingress policy of one runnable: its gRPC port admits only the runnables that list it in
`callees` (plus client namespaces when externalClients); its metrics port admits Prometheus.
*/}}
{{- define "loom.networkPolicy" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $ctx := dict "root" $root "name" $name -}}
{{- $callers := list -}}
{{- range $caller, $entry := $root.Values.components -}}
{{- if and $entry.enabled (has $name ($entry.callees | default list)) -}}
{{- $callers = append $callers $caller -}}
{{- end -}}
{{- end -}}
{{- range $worker, $entry := $root.Values.workers -}}
{{- if and $entry.enabled (has $name ($entry.callees | default list)) -}}
{{- $callers = append $callers (printf "worker-%s" $worker) -}}
{{- end -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "loom.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if and (eq .kind "component") (or $callers .cfg.externalClients) }}
    - ports:
        - {port: grpc, protocol: TCP}
      from:
        {{- range (sortAlpha $callers) }}
        - podSelector:
            matchLabels:
              {{- include "loom.selectorLabels" (dict "root" $root "name" .) | nindent 14 }}
        {{- end }}
        {{- if .cfg.externalClients }}
        {{- range $root.Values.networkPolicy.clientNamespaces }}
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: {{ . }}}
        {{- else }}
        - namespaceSelector: {}
        {{- end }}
        {{- end }}
    {{- end }}
    - ports:
        - {port: metrics, protocol: TCP}
      from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: {{ $root.Values.networkPolicy.monitoringNamespace }}}
{{- end -}}

{{- define "loom.serviceMonitor" -}}
{{- $root := .root -}}
{{- $ctx := dict "root" $root "name" .name -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "loom.name" $ctx }}
  labels:
    {{- include "loom.labels" $ctx | nindent 4 }}
    {{- with $root.Values.monitoring.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "loom.selectorLabels" $ctx | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ $root.Values.monitoring.serviceMonitor.interval }}
{{- end -}}

{{/* Every object of one runnable, as YAML documents. */}}
{{- define "loom.runnable" -}}
---
{{ include "loom.serviceAccount" . }}
---
{{ include "loom.deployment" . }}
---
{{ include "loom.service" . }}
{{- if .cfg.autoscaling.enabled }}
---
{{ include "loom.hpa" . }}
{{- end }}
{{- if .cfg.podDisruptionBudget.enabled }}
---
{{ include "loom.pdb" . }}
{{- end }}
{{- if .root.Values.networkPolicy.enabled }}
---
{{ include "loom.networkPolicy" . }}
{{- end }}
{{- if .root.Values.monitoring.serviceMonitor.enabled }}
---
{{ include "loom.serviceMonitor" . }}
{{- end }}
{{- end -}}
