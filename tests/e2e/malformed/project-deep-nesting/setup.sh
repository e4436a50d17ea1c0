{ printf 'kind: Project\nname: q\nspec:\n  defaults: '; for i in $(seq 100); do printf '{a: '; done; printf 1; for i in $(seq 100); do printf '}'; done; echo; } > keyform.yaml
