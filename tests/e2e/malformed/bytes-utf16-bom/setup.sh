printf '\xff\xfek\0i\0n\0d\0:\0 \0K\0\n\0' > x.yaml
