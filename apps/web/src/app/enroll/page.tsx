import { EnrollView } from '@/client/enroll/EnrollView';

export default function EnrollPage() {
  return <EnrollView />;
}
