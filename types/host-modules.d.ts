/** The client host provides these at run time; only what the plugin uses is typed, loosely. */
declare module 'antd' {
  export const Alert: any;
  export const Button: any;
  export const Card: any;
  export const Checkbox: any;
  export const DatePicker: any;
  export const Divider: any;
  export const Drawer: any;
  export const Form: any;
  export const Input: any;
  export const InputNumber: any;
  export const List: any;
  export const message: any;
  export const Modal: any;
  export const Popconfirm: any;
  export const Radio: any;
  export const Select: any;
  export const Space: any;
  export const Spin: any;
  export const Switch: any;
  export const Table: any;
  export const Tabs: any;
  export const Tag: any;
  export const Tooltip: any;
  export const Typography: any;
}
