// aws-local-stepfunctions targets Node 22; this is the one Node 22 API it uses.
import '../lib/local/polyfills';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
