{ printf 'kind: DeploymentTarget\nname: t2\nspec:\n  source: Certificate/web\n  files: [&a {path: out/z.pem, content: certificate}'; yes ', *a' | head -n 1100000 | tr -d '\n'; echo ']'; } > x.yaml
