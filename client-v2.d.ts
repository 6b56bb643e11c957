declare const PluginTwoFactorAuthClientV2: any;
export default PluginTwoFactorAuthClientV2;
