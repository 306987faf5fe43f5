import { Button, Kbd, Modal, Table } from '@mantine/core';
import { useDisclosure, useWindowEvent } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { isTyping } from './keys.ts';

export const SHORTCUTS = [
  { keys: ['j'], what: 'shortcuts.next' },
  { keys: ['k'], what: 'shortcuts.prev' },
  { keys: ['r'], what: 'shortcuts.composer' },
  { keys: ['a'], what: 'shortcuts.assignMe' },
  { keys: ['c'], what: 'shortcuts.close' },
  { keys: ['/'], what: 'shortcuts.search' },
  { keys: ['?'], what: 'shortcuts.help' },
] as const;

/** The list of keyboard shortcuts (docs/web-app.md has the same), opened with `?`. */
export function ShortcutsHelp() {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  useWindowEvent('keydown', (e) => {
    if (e.key === '?' && !isTyping(e)) open();
  });
  return (
    <>
      <Button variant="subtle" size="xs" mt="xs" onClick={open} fullWidth>
        {t('header.shortcuts')}
      </Button>
      <Modal opened={opened} onClose={close} title={t('shortcuts.title')}>
        <Table>
          <Table.Tbody>
            {SHORTCUTS.map((s) => (
              <Table.Tr key={s.what}>
                <Table.Td>
                  {s.keys.map((k) => (
                    <Kbd key={k}>{k}</Kbd>
                  ))}
                </Table.Td>
                <Table.Td>{t(s.what)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Modal>
    </>
  );
}
