{ printf 'kind: KmsKey\nname: k2\ndescription: '; head -c $((17 << 20)) /dev/zero | tr '\0' x; echo; } > big.yaml
