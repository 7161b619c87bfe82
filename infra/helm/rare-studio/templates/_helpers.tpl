{{/* Names and labels. */}}
{{- define "rare-studio.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rare-studio.fullname" -}}
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

{{/* Labels of every object; `component` is api, dashboard, trainer or migrations. */}}
{{- define "rare-studio.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "rare-studio.selectorLabels" . }}
{{- end -}}

{{- define "rare-studio.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rare-studio.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "rare-studio.secretName" -}}
{{- default (include "rare-studio.fullname" .) .Values.secrets.name -}}
{{- end -}}

{{/* image: registry/repository:tag, for {root, image}. */}}
{{- define "rare-studio.image" -}}
{{- $repo := .image.repository -}}
{{- if .root.Values.image.registry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" .root.Values.image.registry) $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/*
Container env from two maps, for {root, env, secretEnv}: `env` (merged over .Values.sharedEnv unless
shared=false) as literal values, templated, empty ones dropped; `secretEnv` as secretKeyRef to the
release's Secret (a key name, or {key, optional}). Sorted by name; a name in both is an error.
*/}}
{{- define "rare-studio.env" -}}
{{- $root := .root -}}
{{- $plain := dict -}}
{{- if not (eq .shared false) -}}{{- $plain = merge $plain (deepCopy ($root.Values.sharedEnv | default dict)) -}}{{- end -}}
{{- range $k, $v := (.env | default dict) -}}{{- $_ := set $plain $k $v -}}{{- end -}}
{{- $secret := .secretEnv | default dict -}}
{{- range $name := keys $plain | sortAlpha }}
{{- $v := get $plain $name -}}
{{- if hasKey $secret $name -}}{{- fail (printf "env %s is set both as a value and from the Secret" $name) -}}{{- end -}}
{{- if not (kindIs "invalid" $v) -}}
{{- $s := tpl (toString $v) $root -}}
{{- if ne $s "" }}
- name: {{ $name }}
  value: {{ $s | quote }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := keys $secret | sortAlpha }}
{{- $ref := get $secret $name -}}
{{- if $ref }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "rare-studio.secretName" $root }}
      key: {{ if kindIs "map" $ref }}{{ $ref.key }}{{ else }}{{ $ref }}{{ end }}
      {{- if and (kindIs "map" $ref) $ref.optional }}
      optional: true
      {{- end }}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rare-studio.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}
