{ printf 'kind: KmsKey\nname: k2\nspec: {rotation: {every: '; yes 1d | head -n 50000 | tr -d '\n'; echo '}}'; } > x.yaml
