sed -i 's#path: out/ca.pem, content: certificate#path: out/ca.pem, content: secret#' deploy.yaml
