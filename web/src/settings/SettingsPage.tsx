import { Text } from '@mantine/core';
export default function SettingsPage() {
  return <Text p="md">Settings</Text>;
}
