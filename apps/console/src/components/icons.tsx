import { LoaderCircle } from "lucide-react";
import type { LucideProps } from "lucide-react";

import { cn } from "@cdp/ui";

/**
 * The console's icons: lucide's, under the names the screens use, so a screen says what the icon
 * means (MergeIcon) rather than what it draws. lucide marks them aria-hidden.
 */
export {
  Activity as ActivityIcon,
  CircleAlert as AlertIcon,
  Archive as ArchiveIcon,
  ArrowDown as ArrowDownIcon,
  ArrowLeft as ArrowLeftIcon,
  ArrowUpDown as ArrowUpDownIcon,
  ArrowUp as ArrowUpIcon,
  ScrollText as AuditIcon,
  Ban as BanIcon,
  Bookmark as BookmarkIcon,
  CircleCheck as CheckCircleIcon,
  Check as CheckIcon,
  ChevronRight as ChevronRightIcon,
  ChevronsLeft as ChevronsLeftIcon,
  ChevronsUpDown as ChevronsUpDownIcon,
  Clock as ClockIcon,
  Columns3 as ColumnsIcon,
  ShieldCheck as ConsentIcon,
  Copy as CopyIcon,
  CopyPlus as CopyPlusIcon,
  LayoutDashboard as DashboardIcon,
  Database as DatabaseIcon,
  Download as DownloadIcon,
  EyeOff as EyeOffIcon,
  Eye as EyeIcon,
  File as FileIcon,
  FileText as FileTextIcon,
  ListFilter as FilterIcon,
  Fingerprint as FingerprintIcon,
  Ghost as GhostIcon,
  History as HistoryIcon,
  KeyRound as KeyIcon,
  Keyboard as KeyboardIcon,
  ListTree as ListTreeIcon,
  Lock as LockIcon,
  LogOut as LogOutIcon,
  Workflow as MappingIcon,
  GitMerge as MergeIcon,
  Monitor as MonitorIcon,
  Moon as MoonIcon,
  Pencil as PencilIcon,
  Play as PlayIcon,
  Plus as PlusIcon,
  RefreshCw as RefreshIcon,
  RotateCcw as RetryIcon,
  SearchX as SearchXIcon,
  Search as SearchIcon,
  ChartPie as SegmentIcon,
  Share2 as ShareIcon,
  Shield as ShieldIcon,
  Sparkles as SparkIcon,
  UserCog as StaffIcon,
  Sun as SunIcon,
  Trash2 as TrashIcon,
  Undo2 as UndoIcon,
  Upload as UploadIcon,
  User as UserIcon,
  Users as UsersIcon,
  CircleX as XCircleIcon,
  X as XIcon,
} from "lucide-react";

/** A spinning circle for work in progress. */
export function SpinnerIcon({ className, ...props }: LucideProps) {
  return <LoaderCircle className={cn("animate-spin", className)} {...props} />;
}
