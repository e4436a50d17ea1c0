{ cat keyform.yaml; printf '# '; head -c $((17 << 20)) /dev/zero | tr '\0' x; echo; } > k.tmp && mv k.tmp keyform.yaml
