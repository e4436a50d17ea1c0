sed -i 's#source: Certificate/web#source: Certificate/nope#' deploy.yaml
