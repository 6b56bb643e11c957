/** The client host provides these at run time; only what the plugin uses is typed, loosely. */
declare module 'antd' {
  export const Alert: any;
  export const Button: any;
  export const Checkbox: any;
  export const Input: any;
  export const Radio: any;
  export const Space: any;
  export const Spin: any;
  export const Tabs: any;
  export const Typography: any;
  export const Divider: any;
  export const message: any;
}
