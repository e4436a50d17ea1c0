{ printf 'kind: KmsKey\nname: '; head -c 100000 /dev/zero | tr '\0' a; echo; } > x.yaml
