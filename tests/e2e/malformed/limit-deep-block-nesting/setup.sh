{ printf 'kind: KmsKey\nname: k2\nspec:\n'; for i in $(seq 1 100); do printf "%*sa$i:\n" $((2 * i)) ''; done; } > x.yaml
