#!/usr/bin/env bash
# Infrastructure validation (CI runs it from .ci/run; locally: npm run lint:infra).
#   1. the committed synthesized template matches infra/ (npm run synth --check)
#   2. cfn-lint on the synthesized template and on the SAM template (errors and warnings fail)
#   3. sam validate (SAM translator) and sam validate --lint
#   4. checkov (third-party IaC scanner) on both templates; accepted findings are skipped in the
#      template next to their resource, each with its reason (test/infra/checkov-skips.test.ts)
#   5. sam build: esbuild-bundles every function, once its entry point exists
# Python tools are pinned in requirements-infra.txt (.venv) and requirements-checkov.txt
# (.venv/checkov: checkov's boto3 pin conflicts with SAM's). Both are gitignored and reused; pip
# runs only when its requirements file changed. Needs Python 3 with venv/pip and node_modules
# (npm ci); nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
REQUIREMENTS=requirements-infra.txt
CHECKOV_VENV=.venv/checkov
CHECKOV_REQUIREMENTS=requirements-checkov.txt
SYNTH_TEMPLATE=lambda-functions/execution-state.template.json
SAM_TEMPLATE=lambda-functions/template.full.yaml
export SAM_CLI_TELEMETRY=0
export AWS_REGION="${AWS_REGION:-us-east-1}" # sam validate needs a region; nothing is called in it

# ensure_venv DIR REQUIREMENTS: create DIR if missing; install REQUIREMENTS when they changed.
ensure_venv() {
  local dir="$1" requirements="$2"
  if [ ! -x "$dir/bin/python" ]; then
    echo "-- creating $dir"
    "${PYTHON:-python3}" -m venv "$dir"
  fi
  local stamp="$dir/.requirements.sha256" wanted
  wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "-- installing $requirements into $dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" >"$stamp"
  fi
}
ensure_venv "$VENV" "$REQUIREMENTS"
ensure_venv "$CHECKOV_VENV" "$CHECKOV_REQUIREMENTS"

echo "-- synthesized template is current"
npx tsx scripts/synth.ts --check

echo "-- cfn-lint $("$VENV/bin/cfn-lint" --version | awk '{print $2}')"
"$VENV/bin/cfn-lint" "$SYNTH_TEMPLATE" "$SAM_TEMPLATE"

# SAM runs from lambda-functions/ (where samconfig.toml is), not beside cdk.json.
sam() { (cd lambda-functions && "../$VENV/bin/sam" "$@"); }
sam_template="$(basename "$SAM_TEMPLATE")"

echo "-- sam validate ($(sam --version | awk '{print $4}'))"
sam validate --region "$AWS_REGION" --template-file "$sam_template"
sam validate --lint --region "$AWS_REGION" --template-file "$sam_template"

echo "-- checkov $("$CHECKOV_VENV/bin/checkov" --version)"
# Local scan only: no Prisma Cloud download, no update check. Any failed check fails the run.
BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true "$CHECKOV_VENV/bin/checkov" \
  --framework cloudformation --skip-download --compact --quiet \
  --file "$SYNTH_TEMPLATE" --file "$SAM_TEMPLATE"

echo "-- sam build"
entries="$(npx tsx infra/sam-template.ts entry-points)"
[ -n "$entries" ] || { echo "no function entry points found in $SAM_TEMPLATE" >&2; exit 1; }
missing=()
while IFS= read -r entry; do
  [ -f "$entry" ] || missing+=("$entry")
done <<<"$entries"
if [ "${#missing[@]}" -gt 0 ]; then
  # A function whose handler has not landed yet cannot be bundled; everything else is checked.
  echo "   not built: entry point(s) not in the tree yet: ${missing[*]}"
else
  # esbuild is a devDependency: put the project's copy on PATH for SAM's esbuild workflow.
  PATH="$PWD/node_modules/.bin:$PATH" sam build --template-file "$sam_template" >/dev/null
  echo "   built into lambda-functions/.aws-sam/build: $(ls lambda-functions/.aws-sam/build | tr '\n' ' ')"
  # Each bundle must load in plain Node (no ESM/CommonJS surprises) and export its handler.
  # Loading sends no request: stores are created at module scope but connect lazily.
  handlers="$(npx tsx infra/sam-template.ts handlers)"
  while read -r function_id handler; do
    module="${handler%.*}"
    export_name="${handler##*.}"
    bundle="$(ls "lambda-functions/.aws-sam/build/$function_id/$module".{mjs,js} 2>/dev/null | head -1 || true)"
    [ -n "$bundle" ] || { echo "no bundle for $function_id ($handler)" >&2; exit 1; }
    DATAOPS_EXECUTION_TABLE=lint-infra DATAOPS_STAGE=lint AWS_REGION="$AWS_REGION" AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
      node --input-type=module -e "const m = await import(process.argv[1]); if (typeof m[process.argv[2]] !== 'function') { console.error(process.argv[1] + ' does not export ' + process.argv[2]); process.exit(1); }" \
      "$PWD/$bundle" "$export_name"
    echo "   $function_id: $bundle loads and exports $export_name"
  done <<<"$handlers"
fi
echo "-- infrastructure lint passed"
